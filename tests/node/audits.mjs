// The GraphQL-over-HTTP spec's server audits (graphql-http, the spec's reference implementation).
// Usage: node audits.mjs http://127.0.0.1:8000/graphql
// Prints a JSON array of {name, status, reason}; tests/system/test_clients.py wants every one "ok".

import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audits.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
console.log(JSON.stringify(results.map((r) => ({ name: r.name, status: r.status, reason: r.reason ?? null }))));

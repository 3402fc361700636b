// What a JavaScript application does against newsgql, with the libraries it would use.
// Usage: node client.mjs http://127.0.0.1:8000/graphql
// Prints one JSON object; tests/system/test_clients.py checks its values against the database.

import { ClientError, GraphQLClient, gql } from 'graphql-request';
import { buildClientSchema, getIntrospectionQuery } from 'graphql';

const endpoint = process.argv[2];
if (!endpoint) {
  console.error('usage: node client.mjs URL');
  process.exit(2);
}

const DAY = gql`
  query Day($date: Date!) {
    day(date: $date) {
      date
      eventCount
      categories { name events { title sources { name } } }
    }
  }
`;
const EVENTS = 'query Events($first: Int!) { events(first: $first) { totalCount edges { node { title } } } }';

// A query with variables over POST (graphql-request's default).
const client = new GraphQLClient(endpoint);
const day = await client.request(DAY, { date: '2015-09-01' });

// Introspection, as code generators (graphql-codegen, Apollo) do, then a client-side schema.
const introspection = await client.request(getIntrospectionQuery());
const schema = buildClientSchema(introspection);
const fieldsOf = (name) => Object.keys(schema.getType(name)?.getFields() ?? {}).sort();

// A GET with variables in the query string, then a revalidation with the ETag it got.
const url = new URL(endpoint);
url.searchParams.set('query', EVENTS);
url.searchParams.set('variables', JSON.stringify({ first: 2 }));
const accept = { accept: 'application/graphql-response+json' };
const get = await fetch(url, { headers: accept });
const etag = get.headers.get('etag');
const getBody = await get.json();
const revalidated = await fetch(url, { headers: { ...accept, 'if-none-match': etag } });

// graphql-request's own GET mode.
const viaGet = await new GraphQLClient(endpoint, { method: 'GET' }).request(EVENTS, { first: 1 });

// An invalid query: the client raises, with the status and the GraphQL errors.
let invalid = null;
try {
  await client.request('{ events { nope } }');
} catch (error) {
  if (!(error instanceof ClientError)) throw error;
  invalid = { status: error.response.status, messages: error.response.errors.map((e) => e.message) };
}

console.log(JSON.stringify({
  day: day.day,
  types: {
    Event: fieldsOf('Event'),
    Context: fieldsOf('Context'),
    Query: fieldsOf('Query'),
  },
  get: {
    status: get.status,
    contentType: get.headers.get('content-type'),
    cacheControl: get.headers.get('cache-control'),
    etag,
    data: getBody.data,
    revalidatedStatus: revalidated.status,
  },
  viaGet,
  invalid,
}));

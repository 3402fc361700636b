// Apollo Client with its persisted-queries link, hashed queries over GET, against newsgql.
// Usage: node apollo.mjs http://127.0.0.1:8000/graphql
// Prints one JSON object: every HTTP request the client made, and the two answers it got;
// tests/system/test_clients.py checks them.

import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

const endpoint = process.argv[2];
if (!endpoint) {
  console.error('usage: node apollo.mjs URL');
  process.exit(2);
}

// What went over the wire: method, whether the document or only its hash was sent, the answer.
const sent = [];
const recordingFetch = async (url, init = {}) => {
  const method = init.method ?? 'GET';
  const params = method === 'GET' ? Object.fromEntries(new URL(url).searchParams) : JSON.parse(init.body);
  const extensions = typeof params.extensions === 'string' ? JSON.parse(params.extensions) : params.extensions;
  const answer = await fetch(url, init);
  sent.push({
    method,
    withQuery: typeof params.query === 'string',
    hash: extensions?.persistedQuery?.sha256Hash ?? null,
    status: answer.status,
    etag: answer.headers.get('etag'),
    cacheControl: answer.headers.get('cache-control'),
  });
  return answer;
};

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true })
  .concat(new HttpLink({ uri: endpoint, fetch: recordingFetch }));
const client = new ApolloClient({ link, cache: new InMemoryCache() });

const RECENT = gql`
  query Recent($first: Int!) {
    events(first: $first) { totalCount edges { node { id title } } }
  }
`;
const first = await client.query({ query: RECENT, variables: { first: 2 }, fetchPolicy: 'network-only' });
const second = await client.query({ query: RECENT, variables: { first: 2 }, fetchPolicy: 'network-only' });

console.log(JSON.stringify({ sent, first: first.data, second: second.data }));

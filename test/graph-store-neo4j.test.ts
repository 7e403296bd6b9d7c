import { describe, expect, it } from 'vitest';
import { luceneQuery, Neo4jGraphStore } from '../src/store/neo4j/neo4j-graph-store.js';
import { describeGraphStoreConformance } from './conformance/graph-store-conformance.js';
import { testNeo4j, wipeNeo4j } from './helpers/neo4j.js';

/**
 * The Neo4j graph store runs the same conformance suite as the embedded store — against a real Neo4j 5:
 * `npm test` starts one server per test worker (scripts/neo4j.sh, Neo4j 5.26 from Maven Central), which
 * FORGE_TEST_NEO4J_URIS names (test/helpers/neo4j.ts). The run WIPES that database before every test: give
 * it a disposable one. Without it the suite fails, saying how to get one.
 */
describeGraphStoreConformance('neo4j', async () => {
  const db = testNeo4j();
  await wipeNeo4j(db);
  const store = await Neo4jGraphStore.open({ ...db, dimensions: 256 });
  return { store, destroy: () => store.close() };
});

describe('Neo4j full-text queries', () => {
  it('quote every word and escape Lucene syntax, so user text is never a query', () => {
    expect(luceneQuery('Redis persistence AND "quotes"')).toBe('"redis" OR "persistence" OR "quotes"');
    expect(luceneQuery('the and of')).toBeNull();
    for (const text of ['a\\"b', 'title:x OR *', 'x~2 ^3 [a TO b] (y)']) {
      const query = luceneQuery(text) ?? '';
      // Outside the quoted phrases there is nothing but OR.
      expect(query.replace(/"(?:[^"\\]|\\.)*"/g, '').replace(/ OR /g, '')).toBe('');
    }
  });
});

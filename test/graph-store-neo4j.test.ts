import neo4j from 'neo4j-driver';
import { describe, expect, it } from 'vitest';
import { luceneQuery, Neo4jGraphStore } from '../src/store/neo4j/neo4j-graph-store.js';
import { describeGraphStoreConformance } from './conformance/graph-store-conformance.js';

/**
 * The Neo4j graph store runs the same conformance suite as the embedded store — against a real Neo4j 5,
 * which NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD and optionally NEO4J_DATABASE) names. The run WIPES that
 * database before every test: give it a disposable one. Without NEO4J_URI the suite cannot run, and says
 * so below; its Cypher is still checked offline by Neo4j's parser (neo4j-cypher.test.ts).
 */
const uri = process.env.NEO4J_URI;
const settings = { uri: uri ?? '', user: process.env.NEO4J_USER ?? 'neo4j', password: process.env.NEO4J_PASSWORD ?? '', database: process.env.NEO4J_DATABASE };

if (uri) {
  describeGraphStoreConformance('neo4j', async () => {
    const driver = neo4j.driver(settings.uri, neo4j.auth.basic(settings.user, settings.password));
    await driver.executeQuery('MATCH (n) DETACH DELETE n', {}, settings.database ? { database: settings.database } : {});
    await driver.close();
    const store = await Neo4jGraphStore.open({ ...settings, ...(settings.database ? { database: settings.database } : {}), dimensions: 256 });
    return { store, destroy: () => store.close() };
  });
} else {
  console.warn('[forge] GraphStore conformance on Neo4j NOT RUN: NEO4J_URI is unset (set it to a disposable Neo4j 5; the run wipes it).');
  describe('GraphStore conformance: neo4j', () => {
    it.skip('NOT RUN: NEO4J_URI is unset — set NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD to a disposable Neo4j 5 (the run wipes it)', () => undefined);
  });
}

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

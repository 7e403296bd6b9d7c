import neo4j from 'neo4j-driver';
import { describe, expect, it } from 'vitest';
import { luceneQuery, Neo4jGraphStore } from '../src/store/neo4j/neo4j-graph-store.js';
import { describeGraphStoreConformance } from './conformance/graph-store-conformance.js';

/**
 * The Neo4j graph store runs the same conformance suite as the embedded store — against a real Neo4j 5,
 * which FORGE_TEST_NEO4J_URI (with FORGE_TEST_NEO4J_USER, _PASSWORD and optionally _DATABASE) names: `npm
 * test` starts one (scripts/neo4j.sh, Neo4j 5.26 from Maven Central). The run WIPES that database before
 * every test: give it a disposable one. Without it the suite fails, saying how to get one.
 */
const env = (name: string) => process.env[`FORGE_TEST_NEO4J_${name}`];
const uri = env('URI');
const settings = { uri: uri ?? '', user: env('USER') ?? 'neo4j', password: env('PASSWORD') ?? '', database: env('DATABASE') };

if (uri) {
  describeGraphStoreConformance('neo4j', async () => {
    const driver = neo4j.driver(settings.uri, neo4j.auth.basic(settings.user, settings.password));
    await driver.executeQuery('MATCH (n) DETACH DELETE n', {}, settings.database ? { database: settings.database } : {});
    await driver.close();
    const store = await Neo4jGraphStore.open({ ...settings, ...(settings.database ? { database: settings.database } : {}), dimensions: 256 });
    return { store, destroy: () => store.close() };
  });
} else {
  describe('GraphStore conformance: neo4j', () => {
    it('needs a Neo4j: FORGE_TEST_NEO4J_URI is unset', () => {
      throw new Error(
        'FORGE_TEST_NEO4J_URI is unset: run the tests with `npm test` (it starts Neo4j 5.26 with scripts/neo4j.sh; needs Java 17+ and Maven), or start one and name it: eval "$(bash scripts/neo4j.sh start | sed s/NEO4J_/FORGE_TEST_NEO4J_/g)"',
      );
    });
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

import { defineConfig } from 'vitest/config';

/**
 * The suites whose behaviour rests on the graph store run a second time with Forge on Neo4j (the `neo4j`
 * project; test/helpers/neo4j.ts): events, cascades, governance, the trust and information-flow
 * properties. The store's own conformance suite runs on both in graph-store-{sqlite,neo4j}.test.ts.
 */
const ON_NEO4J = [
  'test/event-bus.test.ts',
  'test/event-stream.test.ts',
  'test/cascades.test.ts',
  'test/cascade-crash.test.ts',
  'test/governance.test.ts',
  'test/cross-trust.test.ts',
  'test/information-flow.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // scripts/test.sh starts one Neo4j server per worker and says how many there are.
    ...(process.env.FORGE_TEST_WORKERS ? { maxWorkers: Number(process.env.FORGE_TEST_WORKERS) } : {}),
    projects: [
      { extends: true, test: { name: 'embedded', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'neo4j', include: ON_NEO4J, env: { FORGE_TEST_STORE: 'neo4j' } } },
    ],
  },
});

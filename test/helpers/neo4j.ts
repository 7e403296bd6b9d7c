import neo4j from 'neo4j-driver';

/** The Neo4j a test worker may wipe and use. */
export interface TestNeo4j {
  readonly uri: string;
  readonly user: string;
  readonly password: string;
  readonly database?: string;
}

const env = (name: string): string | undefined => process.env[`FORGE_TEST_NEO4J_${name}`] || undefined;

const HOW =
  'run the tests with `npm test` (it starts Neo4j 5.26 with scripts/neo4j.sh, one server per test worker; needs Java 17+ and Maven), ' +
  'or start servers and name them: eval "$(NEO4J_SERVERS=2 bash scripts/neo4j.sh start | sed s/NEO4J_/FORGE_TEST_NEO4J_/g)"';

/**
 * This test worker's Neo4j: FORGE_TEST_NEO4J_URIS lists one server per worker (FORGE_TEST_NEO4J_URI one in
 * all), and worker N takes the Nth, so no two test files ever share a database. Throws, saying how to get
 * one, when there is none for this worker.
 */
export function testNeo4j(): TestNeo4j {
  const uris = (env('URIS') ?? env('URI') ?? '').split(',').filter(Boolean);
  if (uris.length === 0) throw new Error(`FORGE_TEST_NEO4J_URI is unset: ${HOW}`);
  const worker = Number(process.env.VITEST_POOL_ID ?? '1');
  const uri = uris[worker - 1];
  if (!uri)
    throw new Error(`test worker ${worker} has no Neo4j of its own: FORGE_TEST_NEO4J_URIS names ${uris.length}; name one per worker, or run with --maxWorkers ${uris.length}`);
  const database = env('DATABASE');
  // A server without authentication (the tests' own) accepts any password; Forge's settings need one.
  return { uri, user: env('USER') ?? 'neo4j', password: env('PASSWORD') ?? 'unused', ...(database ? { database } : {}) };
}

/** Whether this test run also runs the store-dependent suites on Neo4j (FORGE_TEST_STORE=neo4j). */
export const onNeo4j = (): boolean => process.env.FORGE_TEST_STORE === 'neo4j';

/** Deletes everything in the worker's database (indexes and constraints stay: the store's migrations rerun). */
export async function wipeNeo4j(db: TestNeo4j): Promise<void> {
  const driver = neo4j.driver(db.uri, neo4j.auth.basic(db.user, db.password));
  try {
    await driver.executeQuery('MATCH (n) DETACH DELETE n', {}, db.database ? { database: db.database } : {});
  } finally {
    await driver.close();
  }
}

/** Forge's settings for the worker's Neo4j, as environment variables. */
export function neo4jEnv(db: TestNeo4j): Record<string, string> {
  return { NEO4J_URI: db.uri, NEO4J_USER: db.user, NEO4J_PASSWORD: db.password, ...(db.database ? { NEO4J_DATABASE: db.database } : {}) };
}

/** In the `neo4j` project, the worker's Neo4j wiped and as Forge's settings; otherwise none (the embedded store). */
export async function graphEnv(): Promise<Record<string, string>> {
  if (!onNeo4j()) return {};
  const db = testNeo4j();
  await wipeNeo4j(db);
  return neo4jEnv(db);
}

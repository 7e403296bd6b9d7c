import neo4j from 'neo4j-driver';

/** The Neo4j a benchmark runs on. */
export interface BenchNeo4j {
  readonly uri: string;
  readonly user: string;
  readonly password: string;
}

/**
 * The Neo4j NEO4J_URI names, emptied (in slices: one transaction for 100k nodes would need the memory of
 * all of them), with its vector index dropped so the store rebuilds it. A disposable one: it is wiped.
 */
export async function emptyNeo4j(what: string): Promise<BenchNeo4j> {
  const uri = process.env.NEO4J_URI;
  if (!uri) throw new Error(`${what} needs NEO4J_URI (a disposable Neo4j 5: it is wiped). eval "$(bash scripts/neo4j.sh start)" starts one.`);
  // A server without authentication (scripts/neo4j.sh's) takes any password; Forge's settings need one.
  const db = { uri, user: process.env.NEO4J_USER ?? 'neo4j', password: process.env.NEO4J_PASSWORD || 'unused' };
  const driver = neo4j.driver(uri, neo4j.auth.basic(db.user, db.password));
  try {
    while (((await driver.executeQuery('MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS n')).records[0]?.get('n') as { toNumber(): number }).toNumber() > 0);
    await driver.executeQuery('DROP INDEX capsule_embedding IF EXISTS');
  } finally {
    await driver.close();
  }
  return db;
}

import { lintCypherQuery, testData, type DbSchema } from '@neo4j-cypher/language-support';
import { describe, expect, it } from 'vitest';
import { createVectorIndex, CYPHER, LABELS, MIGRATIONS, PROPERTY_KEYS, RELATIONSHIP_TYPES, type Statement } from '../src/store/neo4j/cypher.js';

/**
 * Every statement of the Neo4j graph store, checked offline by Neo4j's own Cypher parser and semantic
 * analysis (the language-support package Neo4j's tools use), against Forge's graph schema and Neo4j's
 * built-in functions and procedures: errors and warnings both fail.
 */
function problems(statement: Statement): string[] {
  const schema: DbSchema = {
    ...testData.mockSchema,
    labels: [...LABELS],
    relationshipTypes: [...RELATIONSHIP_TYPES],
    propertyKeys: [...PROPERTY_KEYS],
    parameters: Object.fromEntries(statement.params.map((p) => [p, null])),
  };
  return lintCypherQuery(statement.text, schema).diagnostics.map((d) => `${d.severity === 1 ? 'error' : 'warning'}: ${d.message}`);
}

const all: Array<[string, Statement]> = [
  ...Object.entries(CYPHER),
  ...MIGRATIONS.flatMap((m, i) => m.map((s, j): [string, Statement] => [`migration ${i + 1}.${j + 1}`, s])),
  ['vector index', createVectorIndex(256)],
];

describe("Neo4j Cypher, checked by Neo4j's parser", () => {
  it.each(all)('%s', (_name, statement) => {
    expect(problems(statement)).toEqual([]);
  });

  it('catches what it should: a typo, an unknown label, property or function, an undeclared parameter', () => {
    expect(problems({ text: 'MATCH (c:Capsule {id: $id}) RETRN c', params: ['id'] }).join('\n')).toMatch(/Invalid input 'RETRN'/);
    expect(problems({ text: 'MATCH (c:Capsul) RETURN c', params: [] }).join('\n')).toMatch(/Label Capsul is not present/);
    expect(problems({ text: 'MATCH (c:Capsule {id: $id}) RETURN c', params: [] }).join('\n')).toMatch(/Parameter \$id is not defined/);
    expect(problems({ text: 'MATCH (c:Capsule) RETURN d', params: [] }).join('\n')).toMatch(/Variable `d` not defined/);
    expect(problems({ text: 'MATCH (c:Capsule) RETURN c.trust_lvl', params: [] }).join('\n')).toMatch(/trust_lvl is not present/);
    expect(problems({ text: 'RETURN vector.similarity.cosinus([1.0], [1.0])', params: [] }).join('\n')).toMatch(/Function vector.similarity.cosinus is not present/);
  });
});

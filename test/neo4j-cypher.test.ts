import { createRequire } from 'node:module';
import type * as LanguageSupport from '@neo4j-cypher/language-support';
import type { DbSchema } from '@neo4j-cypher/language-support';
import { describe, expect, it } from 'vitest';
import { createVectorIndex, CYPHER, LABELS, MIGRATIONS, PROPERTY_KEYS, RELATIONSHIP_TYPES, type Statement } from '../src/store/neo4j/cypher.js';

/**
 * Every statement of the Neo4j graph store, checked offline by Neo4j's own Cypher parser and semantic
 * analysis (the language-support package Neo4j's tools use), against Forge's graph schema and Neo4j's
 * built-in functions and procedures: errors and warnings both fail.
 */
// Its CommonJS build: this version's ES module build names files without their extensions, which Node's ESM
// loader does not resolve (and the versions that fix it need Node 24, above what Forge supports).
const { lintCypherQuery, testData } = createRequire(import.meta.url)('@neo4j-cypher/language-support') as typeof LanguageSupport;

/** Namespaces of Neo4j's functions and procedures (`vector.similarity.cosine`, `db.index…`): not property reads. */
const NAMESPACES = new Set([
  'vector',
  'db',
  'dbms',
  'date',
  'datetime',
  'duration',
  'localdatetime',
  'localtime',
  'time',
  'point',
  'similarity',
  'fulltext',
  'queryNodes',
  'index',
]);

/**
 * Property reads (`c.trust_lvl`) of a key Forge's schema does not have: this version of the parser checks
 * labels, parameters, variables and functions, not property keys, so they are checked here.
 */
function unknownProperties(text: string): string[] {
  const known = new Set<string>(PROPERTY_KEYS);
  const strings = text.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  return [...strings.matchAll(/\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)/g)]
    .filter(([, owner, key]) => !NAMESPACES.has(owner as string) && !known.has(key as string))
    .map(([, , key]) => `warning: property ${key} is not present in Forge's schema`);
}

function problems(statement: Statement): string[] {
  const schema: DbSchema = {
    ...testData.mockSchema,
    labels: [...LABELS],
    relationshipTypes: [...RELATIONSHIP_TYPES],
    propertyKeys: [...PROPERTY_KEYS],
    parameters: Object.fromEntries(statement.params.map((p) => [p, null])),
  };
  const parsed = lintCypherQuery(statement.text, schema).map((d) => `${d.severity === 1 ? 'error' : 'warning'}: ${d.message}`);
  return [...parsed, ...unknownProperties(statement.text)];
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
    expect(problems({ text: 'MATCH (c:Capsule) RETURN c.trust_lvl', params: [] }).join('\n')).toMatch(/property trust_lvl is not present/);
    expect(problems({ text: 'RETURN vector.similarity.cosinus([1.0], [1.0])', params: [] }).join('\n')).toMatch(/Function vector.similarity.cosinus is not present/);
  });
});

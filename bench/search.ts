/**
 * Search and insert as the knowledge base grows: the embedded store (SQLite + feature-hashing embedder,
 * 256 dimensions), 25-word capsules of two sentences (each embedded as a passage too) at random trust
 * levels, searched by a reader at trust 60, limit 10.
 *
 *   npm run bench:search [-- --sizes 1000,10000,100000 --searches 60]
 *   npm run bench:search -- --large          # adds 300,000
 *   npm run bench:search -- --embedder local # the built-in sentence-embedding model instead of feature hashing
 *   npm run bench:search -- --store both     # the embedded store, then Neo4j (NEO4J_URI: a disposable one, it is
 *                                            # wiped; eval "$(bash scripts/neo4j.sh start)" gives one), same data
 *
 * Per size: the average insert over the step that reached it (capsules embedded in batches of 64; the
 * first search after the step, which brings the vector index up to the table, included), search p50/p95
 * (the query's embedding included), and recall@10 of the hybrid search's vector side (int8 index
 * candidates rescored in float, late interaction) against exact float late-interaction ranking (the nearer of
 * a capsule's whole and its best passage) over what the reader may see. Ends
 * with one JSON line.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { embeddingModelOf, embedQueries, embedWithPassages, HashingEmbedder, lateCosine, type Embedder, type TextEmbedding } from '../src/search/embedder.js';
import { defaultModelDir, OnnxEmbedder } from '../src/search/onnx-embedder.js';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';
import { Neo4jGraphStore } from '../src/store/neo4j/neo4j-graph-store.js';
import type { GraphStore } from '../src/store/graph-store.js';
import { percentile } from '../src/producers/load.js';
import { emptyNeo4j } from './neo4j.js';
import { seededRandom } from './random.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    searches: { type: 'string', default: '60' },
    large: { type: 'boolean', default: false },
    /** `local`: the built-in sentence-embedding model (npm run setup:model) instead of feature hashing. */
    embedder: { type: 'string', default: 'hashing' },
    /** `sqlite` (the embedded store), `neo4j` (NEO4J_URI, wiped first) or `both`, one after the other on the same data. */
    store: { type: 'string', default: 'sqlite' },
  },
});
const sizes = values.sizes.split(',').map(Number);
if (values.large) sizes.push(300_000);
const SEARCHES = Number(values.searches);
const READER_TRUST = 60;

// A fixed vocabulary and a seeded generator: every run builds the same knowledge base.
const generator = seededRandom(42);
const random = generator.next;
// With the model: 5,000 whole words of its own WordPiece vocabulary (one token each, as prose mostly is),
// so capsules cost what prose of their length costs to embed; with feature hashing, `termN` words as before.
const vocabulary =
  values.embedder === 'local'
    ? Object.keys((JSON.parse(readFileSync(path.join(defaultModelDir(), 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab)
        .filter((w) => /^[a-z]{4,}$/.test(w))
        .filter((_, i) => i % 3 === 0)
        .slice(0, 5000)
    : Array.from({ length: 5000 }, (_, i) => `term${(i * 7919) % 100_000}`);
const text = (words: number) => Array.from({ length: words }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');
/** A capsule's content: two sentences, so each has passages besides its whole. */
const content = () => `${text(12)}. ${text(13)}.`;

type StoreKind = 'sqlite' | 'neo4j';

/** A fresh store of `kind`: a new SQLite file, or the Neo4j NEO4J_URI names, emptied. */
async function openStore(kind: StoreKind, dimensions: number, dir: string): Promise<GraphStore> {
  if (kind === 'sqlite') return SqliteGraphStore.open({ file: path.join(dir, 'forge.db') });
  return Neo4jGraphStore.open({ ...(await emptyNeo4j('--store neo4j')), dimensions });
}

async function main(): Promise<void> {
  const kinds: StoreKind[] = values.store === 'both' ? ['sqlite', 'neo4j'] : [values.store as StoreKind];
  if (!kinds.every((k) => k === 'sqlite' || k === 'neo4j')) throw new Error(`--store: sqlite, neo4j or both, not ${values.store}`);
  const embedder: Embedder = values.embedder === 'local' ? await OnnxEmbedder.create({ dir: defaultModelDir() }) : new HashingEmbedder(256);
  const results: Record<string, unknown> = {};
  for (const kind of kinds) {
    generator.reset(); // the same knowledge base and queries on each store
    console.log(`${kind === 'sqlite' ? 'embedded store (SQLite)' : 'Neo4j'}:`);
    results[kind] = await runOn(kind, embedder);
  }
  if (embedder instanceof OnnxEmbedder) await embedder.close();
  const only = kinds.length === 1 ? (results[kinds[0] as StoreKind] as object) : { stores: results };
  console.log(JSON.stringify({ bench: 'search', embedder: embeddingModelOf(embedder), ...only }));
}

async function runOn(kind: StoreKind, embedder: Embedder): Promise<object> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-bench-search-'));
  const store = await openStore(kind, embedder.dimensions, dir);
  const embedOne = async (t: string) => (await embedQueries(embedder, [t]))[0] as Float32Array;
  const vectors = new Map<string, { vectors: TextEmbedding; trust: number }>();
  const p95: Record<string, number> = {};
  const p50: Record<string, number> = {};
  const insertMs: Record<string, number> = {};
  const recall: number[] = [];
  let count = 0;
  try {
    console.log('capsules   insert ms/capsule   search p50 ms   p95 ms   recall@10');
    for (const size of sizes) {
      const started = performance.now();
      const from = count;
      while (count < size) {
        // Embedded in batches (what ingest does); stored one by one.
        const batch = Array.from({ length: Math.min(64, size - count) }, () => ({ content: content(), trust: Math.floor(random() * 101) }));
        const embeddings = await embedWithPassages(
          embedder,
          batch.map((b) => b.content),
        );
        for (const [j, { content, trust }] of batch.entries()) {
          const embedded = embeddings[j] as TextEmbedding;
          const c = await store.createCapsule(
            { content, type: 'knowledge', owner_id: 'bench', trust_level: trust, metadata: {}, tags: [], ...embedded, embedding_model: embeddingModelOf(embedder) },
            { actor_id: 'bench' },
          );
          vectors.set(c.id, { vectors: embedded, trust });
          count++;
          if (count % 10_000 === 0) process.stderr.write(`  ${count} capsules…\r`);
        }
      }
      // The first search brings the vector index up to the table: part of the step's insert cost.
      const warm = text(6);
      await store.searchCapsules({ text: warm, embedding: await embedOne(warm), embedding_model: embeddingModelOf(embedder), limit: 10, filter: { max_trust: READER_TRUST } });
      insertMs[size] = (performance.now() - started) / Math.max(1, count - from);
      const latencies: number[] = [];
      const found: number[] = [];
      for (let i = 0; i < SEARCHES; i++) {
        const q = text(6);
        // The query's embedding is part of a search's cost.
        const t0 = performance.now();
        const embedding = await embedOne(q);
        await store.searchCapsules({ text: q, embedding, embedding_model: embeddingModelOf(embedder), limit: 10, filter: { max_trust: READER_TRUST }, min_similarity: -1 });
        latencies.push(performance.now() - t0);
        // Recall of the vector side: its top 10 (vector_score) against exact cosine over what the reader may see.
        if (i < 10) {
          const exact = [...vectors]
            .filter(([, v]) => v.trust <= READER_TRUST)
            .map(([id, v]) => [id, lateCosine(embedding, v.vectors.embedding, v.vectors.passage_embeddings)] as const)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 10)
            .map(([id]) => id);
          const vectorTop = (
            await store.searchCapsules({ text: '', embedding, embedding_model: embeddingModelOf(embedder), limit: 10, filter: { max_trust: READER_TRUST }, min_similarity: -1 })
          ).map((h) => h.capsule.id);
          found.push(exact.filter((id) => vectorTop.includes(id)).length / exact.length);
        }
      }
      latencies.sort((a, b) => a - b);
      p50[size] = Number((percentile(latencies, 50) as number).toFixed(2));
      p95[size] = Number((percentile(latencies, 95) as number).toFixed(2));
      const r = found.reduce((a, b) => a + b, 0) / found.length;
      recall.push(r);
      console.log(
        `${String(size).padStart(8)}   ${insertMs[size].toFixed(3).padStart(17)}   ${p50[size].toFixed(2).padStart(13)}   ${p95[size].toFixed(2).padStart(6)}   ${r.toFixed(3).padStart(9)}`,
      );
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(v.toFixed(3))]));
  return { p50_ms: p50, p95_ms: p95, insert_ms_per_capsule: round(insertMs), recall_at_10: Number(Math.min(...recall).toFixed(3)) };
}

await main();

/**
 * The built-in sentence-embedding model's speed on this machine's CPU.
 *
 *   npm run bench:embedder [-- --sentences 2000 --model DIR --threads 1]
 *
 * 1. Latency: one 30-word sentence embedded at a time (a query), one thread: p50 and p95 over `--sentences`
 *    / 4 sentences, after a warm-up. Target: p95 ≤ 10 ms.
 * 2. Ingest: `--sentences` sentences embedded in batches of 32, one thread: sentences per second. Target:
 *    ≥ 200/s.
 * The feature-hashing embedder's figures on the same sentences, measured in the same run, are the baseline.
 * Ends with one JSON line.
 */
import { parseArgs } from 'node:util';
import { HashingEmbedder, type Embedder } from '../src/search/embedder.js';
import { defaultModelDir, OnnxEmbedder } from '../src/search/onnx-embedder.js';
import { percentile } from '../src/producers/load.js';

const { values } = parseArgs({
  options: {
    sentences: { type: 'string', default: '2000' },
    model: { type: 'string', default: defaultModelDir() },
    threads: { type: 'string', default: '1' },
  },
});
const N = Number(values.sentences);

// A fixed vocabulary and a seeded generator: 30-word sentences, the same every run.
const VOCABULARY =
  'the a settlement window refunds are queued until it closes card ledger backups kept days signing keys rotated every cache server crash loses second of writes deploy canary stage merchant payout dispute chargeback rate limit returns when customer money delayed'.split(
    ' ',
  );
let seed = 7;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
const sentence = () => Array.from({ length: 30 }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]).join(' ');
const sentences = Array.from({ length: N }, sentence);

async function measure(embedder: Embedder): Promise<{ p50_ms: number; p95_ms: number; per_second: number }> {
  for (const s of sentences.slice(0, 20)) await embedder.embed([s]);
  const latencies: number[] = [];
  for (const s of sentences.slice(0, Math.max(20, Math.floor(N / 4)))) {
    const started = performance.now();
    await embedder.embed([s]);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  const started = performance.now();
  for (let i = 0; i < N; i += 32) await embedder.embed(sentences.slice(i, i + 32));
  const seconds = (performance.now() - started) / 1000;
  return { p50_ms: percentile(latencies, 50) ?? 0, p95_ms: percentile(latencies, 95) ?? 0, per_second: N / seconds };
}

const model = await OnnxEmbedder.create({ dir: values.model, threads: Number(values.threads) });
const baseline = await measure(new HashingEmbedder(256));
const measured = await measure(model);
await model.close();
const row = (name: string, m: Awaited<ReturnType<typeof measure>>) =>
  `${name.padEnd(34)} ${m.p50_ms.toFixed(2).padStart(8)} ${m.p95_ms.toFixed(2).padStart(8)} ${m.per_second.toFixed(0).padStart(12)}`;
console.log(`${'embedder'.padEnd(34)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'sentences/s'.padStart(12)}   (30-word sentences, ${values.threads} thread)`);
console.log(row(`${model.name}@${model.dimensions}`, measured));
console.log(row('feature-hashing-v1@256 (baseline)', baseline));
console.log(
  JSON.stringify({
    bench: 'embedder',
    model: `${model.name}@${model.dimensions}`,
    threads: Number(values.threads),
    p50_ms: Number(measured.p50_ms.toFixed(2)),
    p95_ms: Number(measured.p95_ms.toFixed(2)),
    sentences_per_second: Math.round(measured.per_second),
    baseline: { p95_ms: Number(baseline.p95_ms.toFixed(3)), sentences_per_second: Math.round(baseline.per_second) },
    targets_met: measured.p95_ms <= 10 && measured.per_second >= 200,
  }),
);

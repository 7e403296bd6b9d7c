/**
 * Overlay runtime benchmark.
 *
 *   npm run bench:overlays [-- --calls 20000 --in-flight 64 --threads 2 --rounds 5]
 *
 * (a) a trivial overlay through Forge's runtime vs a raw Piscina task that instantiates and calls the same
 *     module (same threads, same calls in flight): invocations/s and p50/p99 latency;
 * (b) a CPU-bound module instrumented for fuel vs the original, called directly: time ratio;
 * (c) a stuck overlay: time from its deadline to the rejected call.
 * Ends with one line of JSON.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import wabtInit from 'wabt';
import { sha256Hex } from '../src/blobs/blob-store.js';
import { instrumentModule } from '../src/overlays/instrument.js';
import { createOverlayRuntime } from '../src/overlays/runtime.js';
import { percentile } from '../src/producers/load.js';
import { packageRoot } from '../src/util/package-root.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    'in-flight': { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
  },
});
const CALLS = Number(values.calls);
const IN_FLIGHT = Number(values['in-flight']);
const THREADS = Number(values.threads);
const ROUNDS = Number(values.rounds);
const STUCK_RUNS = 50;

async function wat(name: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat(name, readFileSync(path.join(packageRoot(), 'bench', 'fixtures', `${name}.wat`), 'utf8'));
  parsed.resolveNames();
  parsed.validate();
  const bytes = new Uint8Array(parsed.toBinary({}).buffer);
  parsed.destroy();
  return bytes;
}

async function drive(call: () => Promise<unknown>): Promise<{ per_s: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < CALLS) {
      next++;
      const s = performance.now();
      await call();
      latencies.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { per_s: CALLS / elapsed, p50: percentile(latencies, 50) as number, p99: percentile(latencies, 99) as number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  // The stuck module for (c), instrumented first: like a registration, long before any call. Instrumenting
  // loads binaryen, whose large module V8 then optimises on background threads for a few seconds; on two
  // cores that would compete with (c)'s first deadline and measure start-up, not the deadline.
  const stuckModule = instrumentModule(
    new Uint8Array(
      await (async () => {
        const wabt = await wabtInit();
        const p = wabt.parseWat(
          'stuck',
          '(module (memory (export "memory") 1) (func (export "forge_alloc") (param i32) (result i32) (i32.const 1024)) (func (export "process") (param i32 i32) (result i64) (loop $l (br $l)) (i64.const 0)))',
        );
        const b = p.toBinary({}).buffer;
        p.destroy();
        return b;
      })(),
    ),
    { maxMemoryPages: 16 },
  );

  // (a) throughput and latency of a trivial overlay
  const trivial = instrumentModule(await wat('trivial'), { maxMemoryPages: 16 });
  const sha = sha256Hex(trivial);
  const runtime = createOverlayRuntime<null>({ threads: THREADS });
  const shared = new SharedArrayBuffer(trivial.byteLength);
  new Uint8Array(shared).set(trivial);
  const raw = new Piscina({ filename: path.join(path.dirname(fileURLToPath(import.meta.url)), 'raw-wasm-worker.js'), minThreads: THREADS, maxThreads: THREADS });
  const forgeCall = () =>
    runtime.invoke({ sha256: sha, module: trivial, entry: 'process', input: { q: 1 }, fuel: 1_000_000, timeoutMs: 5000, grants: ['log'], imports: [], context: null });
  const rawCall = () => raw.run({ key: sha, module: shared, input: JSON.stringify({ q: 1 }) });
  for (let i = 0; i < 500; i++) await Promise.all([forgeCall(), rawCall()]); // warm both pools and caches
  const ours: Array<Awaited<ReturnType<typeof drive>>> = [];
  const theirs: Array<Awaited<ReturnType<typeof drive>>> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`(a) round ${round}/${ROUNDS}: raw Piscina… `);
    theirs.push(await drive(rawCall));
    process.stderr.write('Forge runtime… ');
    ours.push(await drive(forgeCall));
    process.stderr.write('done\n');
  }
  const a = {
    forge: { per_s: median(ours.map((x) => x.per_s)), p50_ms: median(ours.map((x) => x.p50)), p99_ms: median(ours.map((x) => x.p99)) },
    raw: { per_s: median(theirs.map((x) => x.per_s)), p50_ms: median(theirs.map((x) => x.p50)), p99_ms: median(theirs.map((x) => x.p99)) },
  };

  // (c) deadline to rejection of a stuck overlay, on the same pool
  const stuckSha = sha256Hex(stuckModule);
  const overshoot: number[] = [];
  const DEADLINE = 100;
  for (let i = 0; i < STUCK_RUNS; i++) {
    const t0 = performance.now();
    const r = await runtime.invoke({
      sha256: stuckSha,
      module: stuckModule,
      entry: 'process',
      input: {},
      fuel: 1e13,
      timeoutMs: DEADLINE,
      grants: ['log'],
      imports: [],
      context: null,
    });
    if (r.error?.code !== 'timeout') throw new Error(`stuck overlay ended with ${JSON.stringify(r.error)}`);
    overshoot.push(performance.now() - t0 - DEADLINE);
  }
  overshoot.sort((x, y) => x - y);
  await runtime.close();
  await raw.destroy();

  // (b) fuel overhead on CPU-bound code, same thread, direct calls
  const plainCpu = await wat('cpu');
  const meteredCpu = instrumentModule(plainCpu, { maxMemoryPages: 16 });
  const plainWork = new WebAssembly.Instance(new WebAssembly.Module(plainCpu), {}).exports.work as unknown as (n: number) => number;
  const meteredInstance = new WebAssembly.Instance(new WebAssembly.Module(meteredCpu), {});
  const meteredWork = meteredInstance.exports.work as unknown as (n: number) => number;
  const fuel = meteredInstance.exports.forge_fuel as WebAssembly.Global<bigint>;
  const N = 2_000_000;
  const time = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  fuel.value = 10n ** 15n;
  if (plainWork(1000) !== meteredWork(1000)) throw new Error('instrumented result differs');
  const plainTimes: number[] = [];
  const meteredTimes: number[] = [];
  for (let i = 0; i < 7; i++) {
    plainTimes.push(time(() => plainWork(N)));
    fuel.value = 10n ** 15n;
    meteredTimes.push(time(() => meteredWork(N)));
  }
  fuel.value = 10n ** 15n;
  meteredWork(N);
  const fuelPerCall = 10n ** 15n - fuel.value;
  const b = { plain_ms: median(plainTimes), instrumented_ms: median(meteredTimes), fuel_per_call: Number(fuelPerCall) };

  console.log(`\n(a) trivial overlay, ${CALLS} calls, ${IN_FLIGHT} in flight, ${THREADS} threads (medians of ${ROUNDS} rounds)`);
  console.log(`    raw Piscina task   ${a.raw.per_s.toFixed(0).padStart(7)} calls/s   p50 ${a.raw.p50_ms.toFixed(2)} ms   p99 ${a.raw.p99_ms.toFixed(2)} ms`);
  console.log(`    Forge runtime      ${a.forge.per_s.toFixed(0).padStart(7)} calls/s   p50 ${a.forge.p50_ms.toFixed(2)} ms   p99 ${a.forge.p99_ms.toFixed(2)} ms`);
  console.log(`(b) CPU-bound module (work(${N})): original ${b.plain_ms.toFixed(1)} ms, instrumented ${b.instrumented_ms.toFixed(1)} ms, ${b.fuel_per_call} fuel per call`);
  console.log(
    `(c) stuck overlay, deadline ${DEADLINE} ms, ${STUCK_RUNS} runs: rejected after it by ${(percentile(overshoot, 50) as number).toFixed(2)} ms p50, ${(percentile(overshoot, 95) as number).toFixed(2)} ms p95, ${(overshoot[overshoot.length - 1] as number).toFixed(2)} ms max`,
  );
  console.log(
    JSON.stringify({
      bench: 'overlays',
      throughput_ratio: Number((a.forge.per_s / a.raw.per_s).toFixed(3)),
      forge: { calls_per_s: Math.round(a.forge.per_s), p50_ms: Number(a.forge.p50_ms.toFixed(3)), p99_ms: Number(a.forge.p99_ms.toFixed(3)) },
      raw: { calls_per_s: Math.round(a.raw.per_s), p50_ms: Number(a.raw.p50_ms.toFixed(3)), p99_ms: Number(a.raw.p99_ms.toFixed(3)) },
      fuel_overhead_ratio: Number((b.instrumented_ms / b.plain_ms).toFixed(3)),
      deadline_overshoot_ms: {
        p50: Number((percentile(overshoot, 50) as number).toFixed(2)),
        p95: Number((percentile(overshoot, 95) as number).toFixed(2)),
        max: Number((overshoot[overshoot.length - 1] as number).toFixed(2)),
      },
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

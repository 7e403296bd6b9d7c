import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/blobs/blob-store.js';
import { DEFAULT_MAX_HOST_CALLS, HOST_CALL_FUEL, type HostFunction } from '../src/overlays/abi.js';
import { BULK_BYTES_PER_FUEL, instrumentModule } from '../src/overlays/instrument.js';
import { createOverlayRuntime, type OverlayRuntime } from '../src/overlays/runtime.js';
import { longestStall } from './helpers/event-loop.js';
import { compileWat } from './helpers/wat.js';

// The runtime's own limits, against hostile modules: each call fails cleanly and the pool keeps serving.
let runtime: OverlayRuntime<null>;
let searches = 0;
let logs = 0;
const modules: Record<string, { module: Uint8Array; sha256: string }> = {};

beforeAll(async () => {
  for (const name of ['host-abuse', 'bulk']) {
    const module = instrumentModule(await compileWat(name), { maxMemoryPages: 64 });
    modules[name] = { module, sha256: sha256Hex(module) };
  }
  runtime = createOverlayRuntime<null>({
    threads: 2,
    host: {
      async call(fn) {
        if (fn === 'capsule_search') searches++;
        return { reply: { ok: true, results: [] } };
      },
      log: () => void logs++,
    },
  });
});
afterAll(async () => runtime.close());

const ALL: HostFunction[] = ['log', 'capsule_read', 'capsule_search', 'capsule_create', 'config_get', 'event_publish'];
const invoke = (name: string, entry: string, fuel: number) =>
  runtime.invoke({ ...(modules[name] as { module: Uint8Array; sha256: string }), entry, input: {}, fuel, timeoutMs: 5000, grants: ALL, context: null });

describe('sandbox limits', () => {
  it('charges host calls in fuel: a search flood on the default budget stops after a handful of searches', async () => {
    searches = 0;
    const r = await invoke('host-abuse', 'search_flood', 1_000_000);
    expect(r.error?.code).toBe('fuel_exhausted');
    expect(searches).toBeLessThanOrEqual(1_000_000 / HOST_CALL_FUEL.capsule_search);
    expect((await invoke('host-abuse', 'ok', 1_000_000)).result).toEqual({ ok: true });
  });

  it('limits host calls per invocation, whatever the budget (searches and logs alike)', async () => {
    searches = 0;
    const r = await invoke('host-abuse', 'search_flood', 1e12);
    expect(r.error).toMatchObject({ code: 'host_call_limit' });
    expect(r.error?.message).toContain(`more than ${DEFAULT_MAX_HOST_CALLS} host calls`);
    expect(searches).toBe(DEFAULT_MAX_HOST_CALLS);
    logs = 0;
    const flood = await invoke('host-abuse', 'log_flood', 1e12);
    expect(flood.error?.code).toBe('host_call_limit');
    expect(logs).toBeLessThanOrEqual(DEFAULT_MAX_HOST_CALLS);
  });

  it('refuses a giant host request without reading it, and the guest gets the reason', async () => {
    searches = 0;
    const r = await invoke('host-abuse', 'giant_request', 1_000_000);
    expect(r.success).toBe(true);
    expect(r.result).toMatchObject({ ok: false, error: { code: 'too_large' } });
    expect(JSON.stringify(r.result)).toContain('41943040 bytes exceeds the limit of 65536');
    expect(searches).toBe(0);
  });

  it('survives the table bomb: growth is refused inside the guest and the process stays small', async () => {
    const before = process.memoryUsage().rss;
    const results = await Promise.all(Array.from({ length: 6 }, () => invoke('bulk', 'table_bomb', 1e10)));
    for (const r of results) expect(r).toMatchObject({ success: true, result: {} });
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024);
    expect((await invoke('host-abuse', 'ok', 1_000_000)).result).toEqual({ ok: true });
  });

  it('charges a fill bomb by its length: it runs out of fuel instead of writing 1.2 GiB for a few hundred units', async () => {
    const r = await invoke('bulk', 'fill_bomb', 1_000_000);
    expect(r.error?.code).toBe('fuel_exhausted');
    // With the budget its length asks for, it completes.
    const paid = await invoke('bulk', 'fill_bomb', (300 * 4128768) / BULK_BYTES_PER_FUEL + 100_000);
    expect(paid).toMatchObject({ success: true, result: {} });
    expect(paid.fuel_consumed).toBeGreaterThan((300 * 4128768) / BULK_BYTES_PER_FUEL);
  });
});

describe('registration', () => {
  it('instruments a large module off the event loop: the loop never stalls for more than a quarter of the registration', async () => {
    const { createTestForge } = await import('./helpers/forge.js');
    const { compileWatSource } = await import('./helpers/wat.js');
    // ~1.3 MB of code: 6,000 functions with a loop each.
    const fns = Array.from(
      { length: 6000 },
      (_, i) =>
        `(func $f${i} (param $n i32) (result i32) (local $i i32) (loop $l (local.set $i (i32.add (local.get $i) (i32.const ${i % 97}))) (br_if $l (i32.lt_u (local.get $i) (local.get $n)))) ${'(local.set $i (i32.mul (local.get $i) (i32.const 3))) '.repeat(12)}(local.get $i))`,
    ).join('\n');
    const wasm = await compileWatSource(
      'large',
      `(module (memory (export "memory") 1) (func (export "forge_alloc") (param i32) (result i32) (i32.const 0)) (func (export "process") (param i32 i32) (result i64) (i64.const 0))\n${fns})`,
    );
    expect(wasm.byteLength).toBeGreaterThan(500_000);
    const t = await createTestForge();
    try {
      const admin = { id: 'root', roles: ['admin' as const], trust_level: 100 };
      const started = performance.now();
      const { result: overlay, stall: worst } = await longestStall(() => t.forge.overlays.registry.register(admin, 'name: large\nversion: 1.0.0\nentry_points: [process]', wasm));
      const took = performance.now() - started;
      expect(overlay.wasm_size).toBeGreaterThan(wasm.byteLength);
      console.log(`registration of a ${(wasm.byteLength / 1e6).toFixed(2)} MB module: ${took.toFixed(0)} ms; longest event-loop stall ${worst.toFixed(1)} ms`);
      // On the loop, the stall would be most of the registration (a second or more); off it, a few ms on an idle
      // machine. Relative to the registration's own time, so a loaded machine (both slower) does not fail it.
      expect(worst).toBeLessThan(Math.max(50, took / 4));
    } finally {
      await t.cleanup();
    }
  }, 60_000);
});

describe('thread heap', () => {
  it('ends a thread that exhausts its heap: that call fails, the next one runs; deep output is refused unparsed', async () => {
    const module = instrumentModule(await compileWat('heap-hungry'), { maxMemoryPages: 32 });
    const small = createOverlayRuntime<null>({
      threads: 1,
      maxOutputBytes: 2 * 1024 * 1024,
      threadHeap: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2, stackSizeMb: 4 },
    });
    try {
      const call = (entry: string) => small.invoke({ module, sha256: sha256Hex(module), entry, input: {}, fuel: 1e9, timeoutMs: 10_000, grants: [], context: null });
      const hungry = await call('process');
      expect(hungry.success).toBe(false);
      expect(hungry.error?.code).toBe('worker_died');
      expect(hungry.error?.message).toContain('memory limit');
      // Deep nesting is refused before it is parsed.
      const deep = await call('deep');
      expect(deep.error).toMatchObject({ code: 'output_too_deep', message: 'output is nested deeper than 64 levels (at byte 64)' });
      // A replacement thread takes the next call (whose own output, empty, is simply not JSON).
      const after = await call('ok');
      expect(after.error?.code).toBe('output_not_json');
    } finally {
      await small.close();
    }
  }, 30_000);
});

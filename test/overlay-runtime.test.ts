import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/blobs/blob-store.js';
import type { HostCallFunction, HostFunction } from '../src/overlays/abi.js';
import { instrumentModule } from '../src/overlays/instrument.js';
import { createOverlayRuntime, type OverlayRuntime } from '../src/overlays/runtime.js';
import { compileWat } from './helpers/wat.js';

interface Ctx {
  readonly overlay: string;
}
const calls: Array<{ fn: HostCallFunction; request: unknown; context: Ctx }> = [];
const logs: string[] = [];
let runtime: OverlayRuntime<Ctx>;
let module: Uint8Array;
let sha256: string;

beforeAll(async () => {
  module = instrumentModule(await compileWat('abi-test'), { maxMemoryPages: 4 });
  sha256 = sha256Hex(module);
  runtime = createOverlayRuntime<Ctx>({
    threads: 2,
    maxOutputBytes: 64 * 1024,
    host: {
      async call(fn, request, context) {
        calls.push({ fn, request, context });
        if (fn === 'event_publish') return { reply: { ok: true }, status: 0 };
        return { reply: { ok: true, capsule: { id: (request as { id: string }).id, content: 'from the host' } } };
      },
      log: (level, message) => logs.push(`${level}:${message}`),
    },
  });
});
afterAll(async () => runtime.close());

const ALL: HostFunction[] = ['log', 'capsule_read', 'capsule_search', 'capsule_create', 'config_get', 'event_publish'];
const invoke = (entry: string, input: unknown = {}, extra: { timeoutMs?: number; fuel?: number; grants?: HostFunction[] } = {}) =>
  runtime.invoke({
    sha256,
    module,
    entry,
    input,
    fuel: extra.fuel ?? 1_000_000,
    timeoutMs: extra.timeoutMs ?? 2000,
    grants: extra.grants ?? ALL,
    context: { overlay: 'abi-test' },
  });

describe('overlay runtime', () => {
  it('passes JSON in and out through guest memory and reports time and fuel', async () => {
    const r = await invoke('echo', { hello: 'world', n: [1, 2, 3] });
    expect(r).toMatchObject({ success: true, result: { hello: 'world', n: [1, 2, 3] }, error: null });
    expect(r.fuel_consumed).toBeGreaterThan(0);
    expect(r.execution_time_ms).toBeGreaterThanOrEqual(0);
    const again = await invoke('echo', { hello: 'world', n: [1, 2, 3] });
    expect(again.fuel_consumed).toBe(r.fuel_consumed);
  });

  it('kills a stuck call at its deadline, and the pool keeps serving', async () => {
    const started = performance.now();
    const stuck = invoke('spin', {}, { timeoutMs: 150, fuel: 1e12 });
    const meanwhile = await Promise.all(Array.from({ length: 5 }, () => invoke('echo', { ok: 1 })));
    const r = await stuck;
    const elapsed = performance.now() - started;
    expect(r).toMatchObject({ success: false, error: { code: 'timeout' }, fuel_consumed: null });
    // Node's timers count whole milliseconds: the deadline may fire a fraction of one before performance.now() says 150.
    expect(elapsed).toBeGreaterThanOrEqual(149);
    expect(elapsed).toBeLessThan(150 + 500);
    expect(meanwhile.every((m) => m.success)).toBe(true);
    const after = await Promise.all(Array.from({ length: 4 }, () => invoke('echo', { after: true })));
    expect(after.every((m) => m.success && (m.result as { after: boolean }).after)).toBe(true);
  });

  it('stops a runaway loop by fuel when the budget is smaller than the deadline allows', async () => {
    const r = await invoke('spin', {}, { fuel: 50_000, timeoutMs: 5000 });
    expect(r).toMatchObject({ success: false, error: { code: 'fuel_exhausted' }, fuel_consumed: 50_000 });
  });

  it('fails memory growth beyond the cap inside the guest', async () => {
    expect(await invoke('grow_big')).toMatchObject({ success: true, result: { ok: false } });
  });

  it('reports traps, bad output and bad pointers as failed calls', async () => {
    expect(await invoke('trap')).toMatchObject({ success: false, error: { code: 'trap' } });
    expect(await invoke('not_json')).toMatchObject({ success: false, error: { code: 'output_not_json' } });
    expect(await invoke('too_big')).toMatchObject({ success: false, error: { code: 'output_too_large', message: 'output of 100000 bytes exceeds the limit of 65536' } });
    expect(await invoke('out_of_bounds')).toMatchObject({ success: false, error: { code: 'out_of_bounds' } });
    expect(await invoke('no_such_entry')).toMatchObject({ success: false, error: { code: 'missing_export' } });
    expect((await invoke('echo', { still: 'fine' })).success).toBe(true);
  });

  it('gives every invocation a fresh instance, even when they run concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => invoke('state')));
    expect(results.map((r) => r.result)).toEqual(Array.from({ length: 20 }, () => ({ calls: 1 })));
  });

  it('serves host calls from the owning process while the guest thread waits', async () => {
    calls.length = 0;
    logs.length = 0;
    const r = await invoke('read', { id: 'capsule-1' });
    expect(r).toMatchObject({ success: true, result: { ok: true, capsule: { id: 'capsule-1', content: 'from the host' } } });
    expect(calls).toEqual([{ fn: 'capsule_read', request: { id: 'capsule-1' }, context: { overlay: 'abi-test' } }]);
    expect(logs).toContain('1:hello from the guest');
    expect(await invoke('publish', { type: 'x', payload: {} })).toMatchObject({ success: true, result: { status: 0 } });
  });

  it('counts a call’s deadline from when a thread takes it: a call that waited for a busy thread is not timed out for the wait', async () => {
    let entered!: () => void;
    const hostEntered = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const single = createOverlayRuntime<Ctx>({
      threads: 1,
      host: {
        async call() {
          entered();
          await released;
          return { reply: { ok: true, capsule: { id: 'c', content: 'late' } } };
        },
      },
    });
    try {
      const call = (entry: string, timeoutMs: number) =>
        single.invoke({ sha256, module, entry, input: { id: 'c' }, fuel: 1_000_000, timeoutMs, grants: ALL, context: { overlay: 'abi-test' } });
      // The only thread is held by a call waiting on its host.
      const holding = call('read', 5000);
      await hostEntered;
      const queued = call('echo', 100);
      // Past the queued call's deadline while it still waits for the thread.
      await new Promise((r) => setTimeout(r, 300));
      release();
      expect(await holding).toMatchObject({ success: true });
      expect(await queued).toMatchObject({ success: true, result: { id: 'c' } });
    } finally {
      release();
      await single.close();
    }
  });

  it('checks capabilities again at call time', async () => {
    calls.length = 0;
    const read = await invoke('read', { id: 'capsule-1' }, { grants: ['log'] });
    expect(read).toMatchObject({ success: true, result: { ok: false, error: { code: 'capability_denied' } } });
    const publish = await invoke('publish', { type: 'x' }, { grants: ['log', 'capsule_read'] });
    expect(publish.result).toEqual({ status: 1 });
    expect(calls).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  BULK_BYTES_PER_FUEL,
  DEFAULT_MAX_TABLE_ELEMENTS,
  FUEL_GLOBAL,
  instrumentModule,
  InvalidModuleError,
  MemoryLimitError,
  TableLimitError,
} from '../src/overlays/instrument.js';
import { compileWat } from './helpers/wat.js';

type Fn = (...args: number[]) => number | bigint;

function instantiate(bytes: Uint8Array) {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const fuel = instance.exports[FUEL_GLOBAL] as WebAssembly.Global<bigint> | undefined;
  const call = (name: string, budget: bigint, ...args: number[]) => {
    if (fuel) fuel.value = budget;
    const result = (instance.exports[name] as unknown as Fn)(...args);
    return { result, consumed: fuel ? budget - fuel.value : 0n };
  };
  return { instance, fuel, call };
}

describe('instrumentModule', () => {
  it('keeps behaviour and exports a mutable i64 fuel global', async () => {
    const plain = await compileWat('sum');
    const metered = instrumentModule(plain, { maxMemoryPages: 16 });
    const p = instantiate(plain);
    const m = instantiate(metered);
    for (const n of [0, 1, 10, 1000]) expect(m.call('sum', 10_000_000n, n).result).toBe(p.call('sum', 0n, n).result);
    expect(m.fuel).toBeInstanceOf(WebAssembly.Global);
    expect(typeof m.fuel?.value).toBe('bigint');
  });

  it('consumes the same fuel for the same input, and more for more work', async () => {
    const m = instantiate(instrumentModule(await compileWat('sum'), { maxMemoryPages: 16 }));
    const a = m.call('sum', 10_000_000n, 500).consumed;
    const b = m.call('sum', 10_000_000n, 500).consumed;
    const c = m.call('sum', 10_000_000n, 1000).consumed;
    expect(a).toBe(b);
    expect(a).toBeGreaterThan(0n);
    // Per iteration: the loop body plus a call into $add; linear in n.
    expect(c - a).toBe(a - m.call('sum', 10_000_000n, 0).consumed);
  });

  it('traps when the budget is spent, leaving the fuel negative', async () => {
    const m = instantiate(instrumentModule(await compileWat('loop-forever'), { maxMemoryPages: 16 }));
    expect(() => m.call('spin', 100_000n)).toThrow(WebAssembly.RuntimeError);
    expect((m.fuel?.value ?? 0n) < 0n).toBe(true);
  });

  it('caps memory growth inside the guest and rejects oversized initial memory', async () => {
    const m = instantiate(instrumentModule(await compileWat('grow'), { maxMemoryPages: 4 }));
    expect(m.call('grow', 1_000_000n, 2).result).toBe(1);
    expect(m.call('grow', 1_000_000n, 2).result).toBe(-1);
    expect(m.call('size', 1_000_000n).result).toBe(3);
    expect(m.call('grow', 1_000_000n, 1).result).toBe(3);
    const big = await compileWat('big-memory');
    expect(() => instrumentModule(big, { maxMemoryPages: 64 })).toThrow(MemoryLimitError);
    expect(() => instrumentModule(big, { maxMemoryPages: 64 })).toThrow('memory limit exceeded: 100 pages requested initially, 64 allowed');
    expect(() => instrumentModule(big, { maxMemoryPages: 150 })).not.toThrow();
  });

  it('keeps nested loops, branches and data segments working', async () => {
    const plain = instantiate(await compileWat('nested'));
    const m = instantiate(instrumentModule(await compileWat('nested'), { maxMemoryPages: 4 }));
    expect(m.call('grid', 1_000_000n, 7, 5).result).toBe(plain.call('grid', 0n, 7, 5).result);
    expect(String.fromCharCode(...[16, 17, 18, 19, 20].map((at) => Number(m.call('byte', 1000n, at).result)))).toBe('forge');
    // Inner-loop work is charged per iteration: a bigger grid costs more.
    expect(m.call('grid', 10_000_000n, 20, 20).consumed).toBeGreaterThan(m.call('grid', 10_000_000n, 10, 10).consumed * 3n);
  });

  it('lets unbounded recursion trap cleanly', async () => {
    const m = instantiate(instrumentModule(await compileWat('recurse'), { maxMemoryPages: 1 }));
    expect(() => m.call('down', 10_000_000_000n, 0)).toThrow(RangeError);
  });

  it('caps tables: growth beyond the cap fails inside the guest, and too many or too large tables are refused', async () => {
    const m = instantiate(instrumentModule(await compileWat('bulk'), { maxMemoryPages: 64 }));
    expect(m.call('grow_table', 1_000_000n, 100).result).toBe(1);
    expect(m.call('grow_table', 1_000_000n, DEFAULT_MAX_TABLE_ELEMENTS).result).toBe(-1);
    expect(m.call('table_size', 1_000n).result).toBe(101);
    // The bomb's growth is refused every time (and charged per element asked for, so it runs out of fuel first here).
    expect(() => m.call('table_bomb', 1_000_000n, 0, 0)).toThrow(WebAssembly.RuntimeError);
    expect(m.call('table_bomb', 1_000_000_000n, 0, 0).consumed).toBeGreaterThan(120_000_000n);
    expect(m.call('table_size', 1_000n).result).toBe(101);
    expect(() => instrumentModule(new Uint8Array(0), { maxMemoryPages: 1 })).toThrow(InvalidModuleError);
    const big = await compileWat('big-table');
    expect(() => instrumentModule(big, { maxMemoryPages: 1 })).toThrow(TableLimitError);
    expect(() => instrumentModule(big, { maxMemoryPages: 1 })).toThrow('table limit exceeded: 20000000 elements requested initially, 10000 allowed per table');
    const many = await compileWat('many-tables');
    expect(() => instrumentModule(many, { maxMemoryPages: 1 })).toThrow('table limit exceeded: 5 tables declared, 4 allowed');
  });

  it('charges bulk memory in proportion to its length, before it runs', async () => {
    const m = instantiate(instrumentModule(await compileWat('bulk'), { maxMemoryPages: 64 }));
    expect(m.call('grow_memory', 1_000n).result).toBe(1);
    const small = m.call('fill', 10_000_000n, 1024).consumed;
    const large = m.call('fill', 10_000_000n, 4 * 1024 * 1024).consumed;
    expect(large - small).toBe(BigInt((4 * 1024 * 1024 - 1024) / BULK_BYTES_PER_FUEL));
    expect(m.call('copy', 10_000_000n, 1024 * 1024).consumed).toBeGreaterThan(BigInt((1024 * 1024) / BULK_BYTES_PER_FUEL));
    // A fill the budget cannot pay for traps before touching memory.
    const bytes = new Uint8Array((m.instance.exports.memory as WebAssembly.Memory).buffer);
    bytes[0] = 0;
    expect(() => m.call('fill', 100_000n, 4 * 1024 * 1024)).toThrow(WebAssembly.RuntimeError);
    expect(bytes[0]).toBe(0);
  });

  it('rejects bytes that are not WebAssembly', () => {
    expect(() => instrumentModule(new Uint8Array([0, 97, 115, 109, 9, 9]), { maxMemoryPages: 1 })).toThrow(InvalidModuleError);
  });
});

describe('instrumentModule on a third-party module (xxhash-wasm)', () => {
  it('computes the same hashes as the original, with deterministic fuel', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const original = new Uint8Array(readFileSync(path.resolve(import.meta.dirname, '..', 'node_modules', 'xxhash-wasm', 'workerd', 'xxhash.wasm')));
    const plain = new WebAssembly.Instance(new WebAssembly.Module(original), {});
    const metered = new WebAssembly.Instance(new WebAssembly.Module(instrumentModule(original, { maxMemoryPages: 64 })), {});
    const fuel = metered.exports[FUEL_GLOBAL] as WebAssembly.Global<bigint>;
    const hash = (instance: WebAssembly.Instance, bytes: Uint8Array) => {
      const mem = instance.exports.mem as WebAssembly.Memory;
      new Uint8Array(mem.buffer).set(bytes, 0);
      const xxh32 = instance.exports.xxh32 as unknown as (ptr: number, len: number, seed: number) => number;
      const xxh64 = instance.exports.xxh64 as unknown as (ptr: number, len: number, seed: bigint) => bigint;
      return [xxh32(0, bytes.length, 7) >>> 0, xxh64(0, bytes.length, 7n)];
    };
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const spent: bigint[] = [];
    for (const size of [0, 1, 15, 16, 31, 32, 100, 1000, 4096]) {
      const bytes = Uint8Array.from({ length: size }, () => random() & 0xff);
      fuel.value = 100_000_000n;
      expect(hash(metered, bytes)).toEqual(hash(plain, bytes));
      spent.push(100_000_000n - fuel.value);
      fuel.value = 100_000_000n;
      hash(metered, bytes);
      expect(100_000_000n - fuel.value).toBe(spent[spent.length - 1]);
    }
    expect(spent[spent.length - 1]).toBeGreaterThan(spent[0] as bigint);
  });
});

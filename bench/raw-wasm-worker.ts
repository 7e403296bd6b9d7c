// Baseline for bench/overlays.ts: a Piscina task that instantiates a module and calls it, with nothing
// else (no fuel, no limits, no host functions, no checks beyond what the call needs).
const modules = new Map<string, WebAssembly.Module>();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export default function run(task: { key: string; module: SharedArrayBuffer; input: string }): unknown {
  let module = modules.get(task.key);
  if (!module) {
    module = new WebAssembly.Module(new Uint8Array(task.module));
    modules.set(task.key, module);
  }
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const alloc = instance.exports.forge_alloc as unknown as (len: number) => number;
  const entry = instance.exports.process as unknown as (ptr: number, len: number) => bigint;
  const input = encoder.encode(task.input);
  const ptr = alloc(input.length);
  new Uint8Array(memory.buffer, ptr, input.length).set(input);
  const packed = entry(ptr, input.length);
  return JSON.parse(decoder.decode(new Uint8Array(memory.buffer, Number(packed >> 32n), Number(packed & 0xffffffffn))));
}

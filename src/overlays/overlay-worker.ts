/**
 * The overlay thread: runs one ABI v1 invocation per task. Compiled modules are cached per thread by
 * sha256; every invocation gets a fresh instance, so calls share no guest state. This file is loaded by
 * Piscina in a worker thread and must not be imported elsewhere.
 */
import os from 'node:os';
import { receiveMessageOnPort } from 'node:worker_threads';
import {
  ALLOC_EXPORT,
  FUEL_GLOBAL,
  START_FUEL,
  HOST_CALL_FUEL,
  HOST_ERROR,
  MAX_HOST_REQUEST_BYTES,
  MAX_OUTPUT_DEPTH,
  packPointer,
  unpackPointer,
  type GuestToHost,
  type HostCallFunction,
  type HostReply,
  type InvocationErrorCode,
  type InvocationResult,
  type InvokeTask,
} from './abi.js';
import { jsonNestingBeyond } from '../util/json-depth.js';

// Guest code runs below the owning process's other threads: on Linux a thread's nice value is its own, so
// this thread yields the CPU to the event loop (deadlines, HTTP, the pipeline) whenever both want it. A
// platform that refuses (or has no per-thread priority) keeps the default: it only costs that preference.
try {
  os.setPriority(os.constants.priority.PRIORITY_LOW);
} catch {
  // not permitted here
}

const modules = new Map<string, WebAssembly.Module>();
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A failure the guest caused; becomes a failed result, never a thread crash. */
class GuestFault extends Error {
  readonly code: InvocationErrorCode;
  constructor(code: InvocationErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

type GuestFn = (...args: Array<number | bigint>) => number | bigint;

export default function invoke(task: InvokeTask): InvocationResult {
  const started = performance.now();
  const budget = BigInt(task.fuel);
  let fuel: WebAssembly.Global<bigint> | undefined;
  const done = (fields: { success: boolean; result?: unknown; error?: InvocationResult['error'] }): InvocationResult => {
    const left = fuel ? fuel.value : budget;
    const consumed = left < 0n ? budget : budget - left;
    return {
      success: fields.success,
      result: fields.result ?? null,
      error: fields.error ?? null,
      execution_time_ms: performance.now() - started,
      fuel_consumed: Number(consumed),
    };
  };

  try {
    let module = modules.get(task.sha256);
    if (!module) {
      module = new WebAssembly.Module(new Uint8Array(task.module));
      modules.set(task.sha256, module);
    }

    // Filled in once the instance exists; the host functions below close over it.
    const guest: { memory?: WebAssembly.Memory; alloc?: GuestFn } = {};
    const view = (ptr: number, len: number): Uint8Array => {
      const buffer = guest.memory?.buffer;
      if (!buffer || ptr < 0 || len < 0 || ptr + len > buffer.byteLength) {
        throw new GuestFault('out_of_bounds', `pointer ${ptr} + length ${len} is outside guest memory (${buffer?.byteLength ?? 0} bytes)`);
      }
      return new Uint8Array(buffer, ptr, len);
    };
    const write = (bytes: Uint8Array): bigint => {
      if (!guest.alloc) throw new GuestFault('missing_export', `module does not export ${ALLOC_EXPORT}`);
      const ptr = Number(guest.alloc(bytes.length)) >>> 0;
      view(ptr, bytes.length).set(bytes);
      return packPointer(ptr, bytes.length);
    };

    const granted = new Set<string>(task.grants);
    const signal = task.host ? new Int32Array(task.host.signal) : undefined;
    const post = (message: GuestToHost) => task.host?.port.postMessage(message);
    const denied = (fn: string): HostReply => ({
      type: 'host-reply',
      status: HOST_ERROR.capability_denied,
      reply: JSON.stringify({ ok: false, error: { code: 'capability_denied', message: `${fn} is not granted to this overlay` } }),
    });
    /**
     * Every host call (log included) counts toward the invocation's limit and is paid for in fuel before
     * anything is read: its fixed cost and one unit per 8 bytes of request.
     */
    let hostCalls = 0;
    const payForHostCall = (fn: keyof typeof HOST_CALL_FUEL, len: number) => {
      if (++hostCalls > task.maxHostCalls) throw new GuestFault('host_call_limit', `more than ${task.maxHostCalls} host calls in one invocation (${fn})`);
      if (!fuel) return;
      fuel.value -= BigInt(HOST_CALL_FUEL[fn] + Math.ceil(Math.max(0, len) / 8));
      if (fuel.value < 0n) throw new GuestFault('fuel_exhausted', `fuel exhausted: budget of ${budget} spent (in ${fn})`);
    };
    const tooLarge = (fn: string, len: number): HostReply => ({
      type: 'host-reply',
      status: HOST_ERROR.too_large,
      reply: JSON.stringify({ ok: false, error: { code: 'too_large', message: `${fn}: request of ${len} bytes exceeds the limit of ${MAX_HOST_REQUEST_BYTES}` } }),
    });
    /** Blocks this thread until the owning process answers (or the host timeout passes). */
    const hostCall = (fn: HostCallFunction, ptr: number, len: number): HostReply => {
      payForHostCall(fn, Math.min(len >>> 0, MAX_HOST_REQUEST_BYTES));
      if (len >>> 0 > MAX_HOST_REQUEST_BYTES) return tooLarge(fn, len >>> 0);
      const request = decoder.decode(view(ptr, len).slice());
      if (!granted.has(fn) || !task.host || !signal) return denied(fn);
      Atomics.store(signal, 0, 0);
      post({ type: 'host-call', fn, request });
      if (Atomics.wait(signal, 0, 0, task.host.timeoutMs) === 'timed-out') {
        return { type: 'host-reply', status: HOST_ERROR.timeout, reply: JSON.stringify({ ok: false, error: { code: 'timeout', message: `${fn} got no answer in ${task.host.timeoutMs} ms` } }) };
      }
      const received = receiveMessageOnPort(task.host.port);
      return received?.message as HostReply;
    };
    const replyCall = (fn: HostCallFunction) => (ptr: number, len: number) => write(encoder.encode(hostCall(fn, ptr, len).reply));

    const imports: WebAssembly.Imports = {
      forge: {
        log: (level: number, ptr: number, len: number) => {
          const bounded = Math.min(len >>> 0, 8192);
          payForHostCall('log', bounded);
          post({ type: 'log', level, message: decoder.decode(view(ptr, bounded).slice()) });
        },
        capsule_read: replyCall('capsule_read'),
        capsule_search: replyCall('capsule_search'),
        capsule_create: replyCall('capsule_create'),
        config_get: replyCall('config_get'),
        event_publish: (ptr: number, len: number) => hostCall('event_publish', ptr, len).status,
      },
    };

    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module, imports);
    } catch (err) {
      if (err instanceof WebAssembly.LinkError || err instanceof TypeError) throw new GuestFault('link_error', err.message);
      throw new GuestFault('trap', `start function failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    guest.memory = instance.exports.memory as WebAssembly.Memory | undefined;
    guest.alloc = instance.exports[ALLOC_EXPORT] as unknown as GuestFn | undefined;
    fuel = instance.exports[FUEL_GLOBAL] as WebAssembly.Global<bigint> | undefined;
    const entry = instance.exports[task.entry] as unknown as GuestFn | undefined;
    if (!guest.memory) throw new GuestFault('missing_export', 'module does not export memory');
    if (!fuel) throw new GuestFault('missing_export', `module is not instrumented (no ${FUEL_GLOBAL})`);
    // The start function ran on START_FUEL; charge what it spent to this call.
    fuel.value = budget - (START_FUEL - fuel.value);
    if (fuel.value < 0n) throw new GuestFault('fuel_exhausted', `fuel exhausted: budget of ${budget} spent by the start function`);
    if (task.mode === 'health') {
      // health_check() -> i32, 0 = healthy. A module without one is healthy if it instantiates.
      if (typeof entry !== 'function') return done({ success: true, result: { healthy: true, status: null } });
      const status = Number(entry());
      return done({ success: true, result: { healthy: status === 0, status } });
    }
    if (typeof entry !== 'function') throw new GuestFault('missing_export', `module does not export entry point ${task.entry}`);

    const init = instance.exports.initialize as unknown as GuestFn | undefined;
    if (typeof init === 'function') {
      const status = Number(init());
      if (status !== 0) throw new GuestFault('trap', `initialize() returned ${status}`);
    }
    const input = encoder.encode(task.input);
    const { ptr: inPtr } = unpackPointer(write(input));
    const { ptr, len } = unpackPointer(BigInt(entry(inPtr, input.length)));
    if (len > task.maxOutputBytes) throw new GuestFault('output_too_large', `output of ${len} bytes exceeds the limit of ${task.maxOutputBytes}`);
    const output = view(ptr, len);
    const deep = jsonNestingBeyond(output, MAX_OUTPUT_DEPTH);
    if (deep !== -1) throw new GuestFault('output_too_deep', `output is nested deeper than ${MAX_OUTPUT_DEPTH} levels (at byte ${deep})`);
    let text: string;
    try {
      text = decoder.decode(output);
    } catch (err) {
      if (err instanceof GuestFault) throw err;
      throw new GuestFault('output_not_json', 'output is not valid UTF-8');
    }
    let result: unknown;
    try {
      result = JSON.parse(text);
    } catch {
      throw new GuestFault('output_not_json', `output is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    return done({ success: true, result });
  } catch (err) {
    if (err instanceof GuestFault) return done({ success: false, error: { code: err.code, message: err.message } });
    if (err instanceof WebAssembly.RuntimeError && fuel && fuel.value < 0n) {
      return done({ success: false, error: { code: 'fuel_exhausted', message: `fuel exhausted: budget of ${budget} spent` } });
    }
    return done({ success: false, error: { code: 'trap', message: err instanceof Error ? err.message : String(err) } });
  }
}

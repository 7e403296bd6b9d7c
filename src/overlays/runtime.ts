import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { workerScript } from '../util/package-root.js';
import {
  DEFAULT_MAX_HOST_CALLS,
  HOST_ERROR,
  MAX_HOST_REPLY_BYTES,
  MAX_HOST_REQUEST_BYTES,
  type GuestToHost,
  type HostCallFunction,
  type HostFunction,
  type HostReply,
  type InvocationResult,
  type InvokeTask,
} from './abi.js';

/** Serves the host functions of running overlays. Runs in the process that owns the pool. */
export interface HostHandlers<C> {
  /**
   * Answers one host call. `request` is the guest's JSON, parsed. The reply is written back to the guest
   * as JSON (`event_publish` only sees `status`). Throwing becomes `{ok: false, error: {code: "failed"}}`.
   */
  call(fn: HostCallFunction, request: unknown, context: C): Promise<{ reply: unknown; status?: number }>;
  log?(level: number, message: string, context: C): void;
}

export interface OverlayRuntimeOptions<C> {
  /** Threads in the pool. @defaultValue 2 */
  readonly threads?: number;
  readonly host?: HostHandlers<C>;
  /** How long a guest waits for one host call. @defaultValue 5000 */
  readonly hostTimeoutMs?: number;
  /** Largest output an entry point may return. @defaultValue 1 MiB */
  readonly maxOutputBytes?: number;
  /** Most host calls one invocation may make. @defaultValue DEFAULT_MAX_HOST_CALLS */
  readonly maxHostCalls?: number;
  /**
   * Heap limits of each overlay thread (V8 `resourceLimits`): a thread that reaches them is ended and its
   * call fails (`worker_died`), never the process. @defaultValue 64 MB old generation, 16 MB young, 4 MB stack
   */
  readonly threadHeap?: { readonly maxOldGenerationSizeMb: number; readonly maxYoungGenerationSizeMb: number; readonly stackSizeMb: number };
}

export interface InvokeRequest<C> {
  /** sha256 of `module`: the key of the per-thread compiled-module cache. */
  readonly sha256: string;
  /** The instrumented module. */
  readonly module: Uint8Array;
  readonly entry: string;
  /** `health` calls `health_check()` instead of an entry point. @defaultValue 'entry' */
  readonly mode?: 'entry' | 'health';
  readonly input: unknown;
  readonly fuel: number;
  /** Hard deadline: the thread is terminated when it passes. */
  readonly timeoutMs: number;
  /** Host functions the overlay's capabilities grant (checked again at call time). */
  readonly grants: readonly HostFunction[];
  /**
   * Host functions the module imports; the channel to this process is set up only when there are any.
   * @defaultValue grants
   */
  readonly imports?: readonly string[];
  /** Passed to the host handlers (who is calling, with what trust). */
  readonly context: C;
}

export interface OverlayRuntime<C> {
  invoke(request: InvokeRequest<C>): Promise<InvocationResult>;
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * A Piscina pool that runs overlay invocations. A call past its deadline is aborted: Piscina terminates
 * the thread (the guest cannot delay that) and starts a replacement, and only that call fails. The
 * deadline counts from when a thread takes the call: calls wait their turn for one of `threads` first,
 * so a busy process queues calls instead of failing them for time they spent waiting.
 */
export function createOverlayRuntime<C>(options: OverlayRuntimeOptions<C> = {}): OverlayRuntime<C> {
  const threads = options.threads ?? 2;
  const pool = new Piscina<InvokeTask, InvocationResult>({
    filename: workerScript('overlays/overlay-worker'),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    resourceLimits: options.threadHeap ?? { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
  });
  // A thread that dies (heap limit, a crash) fails the call it ran, which is reported there; the pool also
  // announces it, and an announcement nobody listens to would end the process.
  pool.on('error', (err: unknown) => console.error(`[forge] overlay thread ended: ${err instanceof Error ? err.message : String(err)}`));
  const modules = new Map<string, SharedArrayBuffer>();
  const shared = (sha256: string, bytes: Uint8Array): SharedArrayBuffer => {
    let buffer = modules.get(sha256);
    if (!buffer) {
      buffer = new SharedArrayBuffer(bytes.byteLength);
      new Uint8Array(buffer).set(bytes);
      modules.set(sha256, buffer);
    }
    return buffer;
  };
  const hostTimeoutMs = options.hostTimeoutMs ?? 5000;
  // One call per thread at a time; the others wait here, first come first served.
  let free = threads;
  const waiting: Array<() => void> = [];
  const acquire = (): Promise<void> => {
    if (free > 0) {
      free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  const maxOutputBytes = options.maxOutputBytes ?? 1024 * 1024;
  const maxHostCalls = options.maxHostCalls ?? DEFAULT_MAX_HOST_CALLS;

  function serveHost(port: MessagePort, signal: Int32Array, context: C): void {
    const handlers = options.host;
    port.on('message', (message: GuestToHost) => {
      if (message.type === 'log') {
        handlers?.log?.(message.level, message.message, context);
        return;
      }
      const answer = (reply: HostReply) => {
        port.postMessage(reply);
        Atomics.store(signal, 0, 1);
        Atomics.notify(signal, 0);
      };
      const fail = (status: number, code: string, text: string) =>
        answer({ type: 'host-reply', status, reply: JSON.stringify({ ok: false, error: { code, message: text } }) });
      // The thread refuses larger requests; this process does not rely on it.
      if (message.request.length > MAX_HOST_REQUEST_BYTES) return fail(HOST_ERROR.too_large, 'too_large', `${message.fn}: request exceeds ${MAX_HOST_REQUEST_BYTES} bytes`);
      let request: unknown;
      try {
        request = JSON.parse(message.request);
      } catch {
        return fail(HOST_ERROR.bad_request, 'bad_request', `${message.fn}: request is not JSON`);
      }
      if (!handlers) return fail(HOST_ERROR.failed, 'failed', `${message.fn}: no host handlers`);
      handlers.call(message.fn, request, context).then(
        ({ reply, status }) => {
          const text = JSON.stringify(reply);
          const bytes = Buffer.byteLength(text);
          if (bytes > MAX_HOST_REPLY_BYTES) return fail(HOST_ERROR.too_large, "too_large", `${message.fn}: reply of ${bytes} bytes exceeds the limit of ${MAX_HOST_REPLY_BYTES}`);
          answer({ type: 'host-reply', status: status ?? 0, reply: text });
        },
        (err: unknown) => fail(HOST_ERROR.failed, 'failed', err instanceof Error ? err.message : String(err)),
      );
    });
  }

  return {
    threads,
    async invoke(request) {
      await acquire();
      try {
        return await runOnThread(request);
      } finally {
        release();
      }
    },
    async close() {
      await pool.destroy();
    },
  };

  async function runOnThread(request: InvokeRequest<C>): Promise<InvocationResult> {
      const started = performance.now();
      const needsHost = (request.imports ?? request.grants).length > 0;
      let channel: MessageChannel | undefined;
      let task: InvokeTask = {
        sha256: request.sha256,
        module: shared(request.sha256, request.module),
        entry: request.mode === 'health' ? 'health_check' : request.entry,
        mode: request.mode ?? 'entry',
        input: JSON.stringify(request.input ?? null),
        fuel: String(request.fuel),
        maxOutputBytes,
        maxHostCalls,
        grants: request.grants,
      };
      if (needsHost) {
        channel = new MessageChannel();
        const signal = new SharedArrayBuffer(4);
        serveHost(channel.port1, new Int32Array(signal), request.context);
        task = { ...task, host: { port: channel.port2, signal, timeoutMs: hostTimeoutMs } };
      }
      // The deadline answers the caller itself, the moment it passes: the thread's termination (and the
      // pool's replacement of it) happen after, off the caller's path.
      const abort = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<InvocationResult>((resolve) => {
        timer = setTimeout(() => {
          resolve({
            success: false,
            result: null,
            error: { code: 'timeout', message: `execution exceeded ${request.timeoutMs} ms; the thread was terminated` },
            execution_time_ms: performance.now() - started,
            fuel_consumed: null,
          });
          // Killing the thread makes the pool start its replacement synchronously: do it on the next turn,
          // after the caller has been answered.
          setImmediate(() => abort.abort());
        }, request.timeoutMs);
      });
      const run = pool.run(task, { signal: abort.signal, ...(channel ? { transferList: [channel.port2] } : {}) }).catch(
        (err: unknown): InvocationResult => ({
          success: false,
          result: null,
          error: { code: abort.signal.aborted ? 'timeout' : 'worker_died', message: err instanceof Error ? err.message : String(err) },
          execution_time_ms: performance.now() - started,
          fuel_consumed: null,
        }),
      );
      try {
        return await Promise.race([run, deadline]);
      } finally {
        clearTimeout(timer);
        // The host channel closes once the thread is done with it (at once for a finished call).
        void run.finally(() => channel?.port1.close());
      }
  }
}

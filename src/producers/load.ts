import { TERMINAL_STATUSES, type RequestStatus } from '../store/graph-store.js';

export interface LoadOptions {
  /** Base URL of a Forge ingress, e.g. http://127.0.0.1:8080 */
  readonly target: string;
  /** Sent as `Authorization: Bearer …`; the key's user needs `request:submit` (reader or above). */
  readonly apiKey?: string;
  /** Requests started per second. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Most requests in flight at once; when reached, new requests wait for a slot. @defaultValue 50 */
  readonly concurrency?: number;
  readonly queries: readonly string[];
  /** Make each query unique so the answer cache does not serve it. @defaultValue true */
  readonly bustCache?: boolean;
  /** Called about twice a second with the running totals. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Give up waiting for one request after this long. @defaultValue 30000 */
  readonly requestTimeoutMs?: number;
}

export interface LoadProgress {
  readonly planned: number;
  readonly sent: number;
  readonly finished: number;
  readonly in_flight: number;
  readonly elapsed_s: number;
  readonly throughput_rps: number;
  readonly p95_ms: number | null;
  readonly errors: number;
}

export interface LoadSummary {
  readonly target: string;
  readonly planned: number;
  readonly sent: number;
  readonly completed: number;
  readonly rejected: number;
  readonly failed: number;
  /** Transport errors, non-2xx answers and requests still unfinished at their timeout. */
  readonly errors: number;
  readonly error_samples: readonly string[];
  readonly duration_s: number;
  readonly throughput_rps: number;
  readonly latency_ms: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null; readonly max: number | null };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

/**
 * Submits requests to an ingress at a steady rate and follows each to its end (long-poll), measuring
 * submit-to-answer latency. Bounded in count (`rate × duration`) and time; stops by itself.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  if (options.queries.length === 0) throw new RangeError('runLoad: give at least one query');
  const planned = Math.max(1, Math.round(options.rate * options.durationSeconds));
  const concurrency = options.concurrency ?? 50;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const base = options.target.replace(/\/+$/, '');
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const latencies: number[] = [];
  const outcomes: Record<RequestStatus | 'error', number> = { queued: 0, running: 0, completed: 0, rejected: 0, failed: 0, error: 0 };
  const errorSamples: string[] = [];
  let sent = 0;
  let inFlight = 0;
  const slotWaiters: Array<() => void> = [];
  const started = performance.now();

  const progress = (): LoadProgress => {
    const elapsed = (performance.now() - started) / 1000;
    const finished = latencies.length + outcomes.error;
    return {
      planned,
      sent,
      finished,
      in_flight: inFlight,
      elapsed_s: round(elapsed) as number,
      throughput_rps: round(elapsed > 0 ? latencies.length / elapsed : 0) as number,
      p95_ms: round(
        percentile(
          [...latencies].sort((a, b) => a - b),
          95,
        ),
      ),
      errors: outcomes.error,
    };
  };
  const ticker = options.onProgress ? setInterval(() => options.onProgress?.(progress()), 500) : undefined;

  const fail = (message: string) => {
    outcomes.error++;
    if (errorSamples.length < 5) errorSamples.push(message);
  };

  async function one(i: number): Promise<void> {
    const query = options.queries[i % options.queries.length] as string;
    const body = JSON.stringify({ query: options.bustCache === false ? query : `${query} (load ${i} ${started.toFixed(0)})` });
    const t0 = performance.now();
    try {
      const post = await fetch(`${base}/v2/requests`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body });
      if (post.status !== 202) return fail(`POST /v2/requests answered ${post.status}: ${(await post.text()).slice(0, 200)}`);
      const { id } = (await post.json()) as { id: string };
      const deadline = t0 + timeoutMs;
      for (;;) {
        const left = Math.max(0, Math.round(deadline - performance.now()));
        const get = await fetch(`${base}/v2/requests/${id}?wait=${Math.min(left, 30_000)}`, { headers: auth });
        if (get.status !== 200) return fail(`GET /v2/requests/${id} answered ${get.status}`);
        const record = (await get.json()) as { status: RequestStatus };
        if (TERMINAL_STATUSES.has(record.status)) {
          latencies.push(performance.now() - t0);
          outcomes[record.status]++;
          return;
        }
        if (performance.now() >= deadline) return fail(`request ${id} still ${record.status} after ${timeoutMs} ms`);
      }
    } catch (err) {
      fail(err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err));
    }
  }

  const running: Array<Promise<void>> = [];
  for (let i = 0; i < planned; i++) {
    const due = started + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight >= concurrency) await new Promise<void>((r) => slotWaiters.push(r));
    inFlight++;
    sent++;
    running.push(
      one(i).finally(() => {
        inFlight--;
        slotWaiters.shift()?.();
      }),
    );
  }
  await Promise.all(running);
  if (ticker) clearInterval(ticker);
  options.onProgress?.(progress());

  const duration = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    target: base,
    planned,
    sent,
    completed: outcomes.completed,
    rejected: outcomes.rejected,
    failed: outcomes.failed,
    errors: outcomes.error,
    error_samples: errorSamples,
    duration_s: round(duration) as number,
    throughput_rps: round(sorted.length / duration) as number,
    latency_ms: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1] ?? null) },
  };
}

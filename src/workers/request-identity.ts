import { ForgeError } from '../errors.js';
import { requestJobData, type RequestJobData } from '../flows/request-flow.js';
import type { Caller, GraphStore, RequestRecord } from '../store/graph-store.js';

/** A pipeline job whose data does not match its stored request (or names no request): never run, never retried. */
export class TamperedJobError extends ForgeError {
  readonly requestId: string;
  readonly fields: readonly string[];
  constructor(requestId: string, fields: readonly string[]) {
    super('validation_failed', `job data of request ${requestId} disagrees with its stored record (${fields.join(', ')}); refused as tampered`, { retryable: false });
    this.requestId = requestId;
    this.fields = fields;
  }

  override details(): Record<string, unknown> {
    return { request_id: this.requestId, fields: this.fields };
  }
}

/** Job data is JSON: equal primitives are equal, anything else is compared as JSON. */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && JSON.stringify(a) === JSON.stringify(b));
}

/** How many requests' stored data a process keeps at hand (the data of a request never changes). */
const REMEMBERED = 10_000;

/**
 * The identity a pipeline phase acts for comes from the stored request record, never from job data: the
 * job's data must equal what the record says (caller, query, required trust, …), or the job is refused.
 * A request's recorded job data is immutable, so each process reads it once per request.
 */
export class RequestIdentity {
  private readonly store: Pick<GraphStore, 'getRequest'>;
  private readonly known = new Map<string, RequestJobData>();

  constructor(deps: { store: Pick<GraphStore, 'getRequest'> }) {
    this.store = deps.store;
  }

  /** Keeps a request's data as it was just recorded, so this process's phases need not read it back. */
  remember(record: RequestRecord): void {
    this.keep(record.id, requestJobData(record));
  }

  private keep(id: string, data: RequestJobData): void {
    if (this.known.size >= REMEMBERED) this.known.delete(this.known.keys().next().value as string);
    this.known.set(id, data);
  }

  /** The stored data of request `id`, read once and kept. @throws TamperedJobError when there is no such request */
  private async load(id: string): Promise<RequestJobData> {
    const record = id ? await this.store.getRequest(id) : null;
    if (!record) throw new TamperedJobError(id || '(none)', ['request_id']);
    const data = requestJobData(record);
    this.keep(id, data);
    return data;
  }

  /** The caller of the request the job belongs to. @throws TamperedJobError */
  async verify(data: unknown): Promise<Caller> {
    const claimed = (data ?? {}) as Partial<RequestJobData>;
    const id = typeof claimed.request_id === 'string' ? claimed.request_id : '';
    const recorded = this.known.get(id) ?? (await this.load(id));
    const differs = (Object.keys(recorded) as Array<keyof RequestJobData>).filter((k) => !sameValue(recorded[k], claimed[k]));
    const extra = Object.keys(claimed).filter((k) => !(k in recorded));
    if (differs.length || extra.length) throw new TamperedJobError(id, [...differs, ...extra]);
    return recorded.caller;
  }
}

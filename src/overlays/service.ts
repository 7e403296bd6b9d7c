import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { sha256Hex, type BlobStore } from '../blobs/blob-store.js';
import { ConflictError, ForgeError, NotFoundError } from '../errors.js';
import { forgeKeys } from '../redis/keys.js';
import type { CapsuleService } from '../services/capsules.js';
import { satisfies } from '../store/versions.js';
import { CAPSULE_TYPES, canRead, type Caller, type GraphStore, type JsonObject, type OverlayFilter, type OverlayRecord } from '../store/graph-store.js';
import { CanaryStore, type CanaryOptions, type CanaryView } from './canary.js';
import { ImmuneSystem, type BreakerState } from './immune.js';
import { HOST_ERROR, type HostCallFunction, type InvocationResult } from './abi.js';
import { grantedHostFunctions, parseManifest, type OverlayManifest } from './manifest.js';
import type { HostHandlers, OverlayRuntime } from './runtime.js';
import { checkOverlayModule } from './validate.js';

export const OVERLAY_EXPIRY_QUEUE = 'overlay-expiry';

/** What the host functions know about the invocation they serve. */
export interface InvocationContext {
  readonly overlay: OverlayRecord;
  /** Capsules read during this invocation: a capsule it creates is DERIVED_FROM them. */
  readonly reads: Set<string>;
}

/** Activation with a required configuration value missing, or a value the manifest does not declare. */
export class OverlayConfigError extends ForgeError {
  readonly missing: readonly string[];
  readonly unknown: readonly string[];
  constructor(overlay: string, problems: { missing?: readonly string[]; unknown?: readonly string[] }) {
    const quote = (keys: readonly string[]) => keys.map((k) => `"${k}"`).join(', ');
    const parts = [
      problems.missing?.length ? `required config ${quote(problems.missing)} missing` : null,
      problems.unknown?.length ? `config ${quote(problems.unknown)} not declared in the manifest` : null,
    ].filter(Boolean);
    super('validation_failed', `overlay ${overlay} cannot be activated: ${parts.join('; ')}`, { retryable: false });
    this.missing = problems.missing ?? [];
    this.unknown = problems.unknown ?? [];
  }
}

/** What the overlays bound to one phase did for one request, by overlay name. */
export type PhaseOverlayReport = Record<
  string,
  { success: boolean; result: unknown; error: InvocationResult['error']; fuel_consumed: number | null; execution_time_ms: number; skipped?: true }
>;

export const HEALTH_CHECK_QUEUE = 'health-checks';

/** An external check of an overlay (level 4): e.g. a probe of the service it fronts. */
export type HealthProbe = (overlay: OverlayRecord) => Promise<{ ok: boolean; detail: string }>;

/** The four levels of an overlay's health check, and the verdict. */
export interface HealthReport {
  readonly overlay_id: string;
  readonly name: string;
  readonly version: string;
  readonly at: string;
  readonly healthy: boolean;
  readonly levels: {
    /** L1: the module's own health_check export. */
    readonly module: { readonly ok: boolean; readonly status: number | null; readonly error: string | null };
    /** L2: every declared dependency has an active version its range accepts, none quarantined in its place. */
    readonly dependencies: { readonly ok: boolean; readonly detail: string };
    /** L3: the circuit breaker is not open. */
    readonly circuit: { readonly ok: boolean; readonly state: BreakerState };
    /** L4: the external probe, when one is configured. */
    readonly probe: { readonly ok: boolean; readonly detail: string };
  };
}

/** How long a process trusts its list of active overlays before reading it again. */
const ACTIVE_LIST_TTL_MS = 1000;

export interface OverlayMetrics {
  readonly invocations: number;
  readonly failures: number;
  readonly failure_rate: number;
  readonly mean_ms: number;
  readonly p95_ms: number;
  readonly fuel_total: number;
  readonly mean_fuel: number;
  readonly last_error: string | null;
  /** Calls skipped because the breaker was open. */
  readonly skipped: number;
  readonly breaker: { readonly state: BreakerState; readonly consecutive_failures: number; readonly opened_at: string | null };
}

export interface OverlayServiceDeps {
  readonly store: GraphStore;
  readonly blobs: BlobStore;
  readonly capsules: CapsuleService;
  readonly redis: Redis;
  readonly prefix: string;
  readonly expiry: Queue;
  /** Created on first use: the pool's threads start only when an overlay runs. */
  readonly runtime: () => OverlayRuntime<InvocationContext>;
  readonly immune: ImmuneSystem;
  readonly canaries: CanaryStore;
  /** Level-4 health check; absent: the level passes. */
  readonly probe?: HealthProbe;
}

const ReadRequest = z.object({ id: z.string().min(1).max(100) });
const SearchRequest = z.object({ query: z.string().min(1).max(2000), limit: z.number().int().min(1).max(20).default(5) });
const CreateRequest = z.object({
  content: z.string().min(1).max(100_000),
  type: z.enum(CAPSULE_TYPES).default('insight'),
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
  metadata: z.record(z.string(), z.unknown()).default({}),
  trust_level: z.number().int().min(0).max(100).optional(),
});
const ConfigRequest = z.object({ key: z.string().min(1).max(64) });
const EventRequest = z.object({ type: z.string().min(1).max(100), payload: z.unknown().optional() });

export class OverlayService {
  private readonly deps: OverlayServiceDeps;
  private readonly modules = new Map<string, Uint8Array>();
  private active: { readonly at: number; readonly list: Promise<OverlayRecord[]> } | null = null;

  constructor(deps: OverlayServiceDeps) {
    this.deps = deps;
  }


  /** The overlay as the API returns it: secret config values masked. */
  view(overlay: OverlayRecord): OverlayRecord {
    const manifest = overlay.manifest as unknown as OverlayManifest;
    const config: JsonObject = {};
    for (const [key, value] of Object.entries(overlay.config)) config[key] = manifest.config?.[key]?.secret ? '********' : value;
    return { ...overlay, config };
  }

  async get(id: string): Promise<OverlayRecord> {
    const overlay = await this.deps.store.getOverlay(id);
    if (!overlay) throw new NotFoundError('overlay', id);
    return overlay;
  }

  list(filter: OverlayFilter): Promise<OverlayRecord[]> {
    return this.deps.store.listOverlays(filter);
  }

  /**
   * Validates, instruments and stores a module, and records the overlay as `pending`.
   * @throws ManifestError, OverlayModuleError, InvalidModuleError, MemoryLimitError, ConflictError
   */
  async register(caller: Caller, manifestText: string, wasm: Uint8Array): Promise<OverlayRecord> {
    const manifest = parseManifest(manifestText);
    const existing = await this.deps.store.listOverlays({ name: manifest.name });
    if (existing.some((o) => o.version === manifest.version)) {
      throw new ConflictError('overlay', `${manifest.name}@${manifest.version}`, 'is already registered');
    }
    const imports = checkOverlayModule(wasm, manifest);
    // binaryen is large: loaded on the first registration, not at start-up.
    const { instrumentModule } = await import('./instrument.js');
    const instrumented = instrumentModule(wasm, { maxMemoryPages: manifest.limits.max_memory_mb * 16 });
    const { sha256, key } = await this.deps.blobs.put(instrumented, `overlays/${manifest.name}/${manifest.version}/${sha256Hex(instrumented)}.wasm`);
    return this.deps.store.createOverlay(
      {
        name: manifest.name,
        version: manifest.version,
        manifest: manifest as unknown as JsonObject,
        manifest_text: manifestText,
        sha256,
        blob_key: key,
        wasm_size: instrumented.byteLength,
        imports,
        trust_level: Math.min(manifest.trust_level, caller.trust_level),
        submitted_by: caller.id,
      },
      { actor_id: caller.id },
    );
  }

  async activate(caller: Caller, id: string, options: { config?: JsonObject; ttl_seconds?: number } = {}): Promise<OverlayRecord> {
    const overlay = await this.get(id);
    if (overlay.state === 'quarantined') throw new ConflictError('overlay', id, 'is quarantined; recover it first');
    const manifest = overlay.manifest as unknown as OverlayManifest;
    const config: JsonObject = { ...overlay.config, ...options.config };
    for (const [key, spec] of Object.entries(manifest.config)) if (config[key] === undefined && spec.default !== undefined) config[key] = spec.default;
    const unknown = Object.keys(options.config ?? {}).filter((k) => !(k in manifest.config));
    const missing = Object.entries(manifest.config).filter(([key, spec]) => spec.required && config[key] === undefined).map(([key]) => key);
    if (missing.length || unknown.length) throw new OverlayConfigError(overlay.name, { missing, unknown });
    // Every declared dependency must be active in a version its range accepts.
    const unmet: string[] = [];
    for (const [name, range] of Object.entries(manifest.dependencies)) {
      const candidates = await this.deps.store.listOverlays({ name, state: 'active' });
      if (!candidates.some((c) => satisfies(c.version, range))) unmet.push(`${name}@${range}`);
    }
    if (unmet.length) throw new ConflictError('overlay', id, `needs active ${unmet.join(', ')}`);
    const expiresAt = options.ttl_seconds ? new Date(Date.now() + options.ttl_seconds * 1000).toISOString() : null;
    const active = (await this.deps.store.setOverlayState(id, { state: 'active', config, expires_at: expiresAt }, { actor_id: caller.id })) as OverlayRecord;
    this.active = null;
    if (expiresAt && options.ttl_seconds) {
      await this.deps.expiry.add('expire', { overlay_id: id, expires_at: expiresAt }, {
        delay: options.ttl_seconds * 1000,
        jobId: `${id}.${Date.parse(expiresAt)}`,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    }
    return active;
  }

  /** Ends an activation whose TTL passed, unless it was re-activated since. */
  async expire(id: string, expiresAt: string): Promise<void> {
    const overlay = await this.deps.store.getOverlay(id);
    if (!overlay || overlay.state !== 'active' || overlay.expires_at !== expiresAt) return;
    await this.deps.store.setOverlayState(id, { state: 'suspended', reason: `activation expired at ${expiresAt}`, from: ['active'] }, { actor_id: 'system' });
    this.active = null;
  }

  async suspend(caller: Caller, id: string, reason: string): Promise<OverlayRecord> {
    await this.get(id);
    this.active = null;
    return (await this.deps.store.setOverlayState(id, { state: 'suspended', reason }, { actor_id: caller.id })) as OverlayRecord;
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const overlay = await this.get(id);
    await this.deps.store.deleteOverlay(id, { actor_id: caller.id });
    await this.deps.redis.unlink(this.reportKey(id));
    this.active = null;
    await this.deps.immune.reset(id);
    this.modules.delete(overlay.sha256);
  }

  private async moduleOf(overlay: OverlayRecord): Promise<Uint8Array> {
    let bytes = this.modules.get(overlay.sha256);
    if (!bytes) {
      const stored = await this.deps.blobs.get(overlay.blob_key);
      if (!stored) throw new NotFoundError('overlay module', overlay.blob_key);
      bytes = stored;
      this.modules.set(overlay.sha256, bytes);
    }
    return bytes;
  }

  /**
   * Runs one entry point of an active overlay and counts the outcome.
   * @throws ConflictError when the overlay is not active or the function is not an entry point.
   */
  async invoke(id: string, call: { function: string; args: unknown; timeout_ms?: number }): Promise<InvocationResult> {
    const overlay = await this.get(id);
    if (overlay.state !== 'active') throw new ConflictError('overlay', id, `is ${overlay.state}; only active overlays run`);
    // A running canary takes its share of this overlay's calls.
    const route = await this.deps.canaries.route(id);
    const candidate = route.to === 'candidate' ? await this.deps.store.getOverlay(route.id) : null;
    const result = await this.execute(candidate ?? overlay, call);
    if (route.to !== 'none') await this.deps.canaries.record(id, candidate ? 'candidate' : 'stable', !result.success, result.execution_time_ms);
    return result;
  }

  /** Runs one call of one overlay version: breaker, sandbox, metrics, quarantine. */
  private async execute(overlay: OverlayRecord, call: { function: string; args: unknown; timeout_ms?: number }): Promise<InvocationResult> {
    const id = overlay.id;
    const manifest = overlay.manifest as unknown as OverlayManifest;
    if (!manifest.entry_points.includes(call.function)) {
      throw new ConflictError('overlay', id, `has no entry point "${call.function}" (entry points: ${manifest.entry_points.join(', ')})`);
    }
    // An open breaker skips the call fleet-wide; a half-open one lets trial calls through.
    const admitted = await this.deps.immune.admit(id);
    if (admitted.state === 'open') {
      if (admitted.quarantine) await this.quarantine(overlay, 'circuit breaker open and failure rate (skipped calls included) over the quarantine threshold');
      return { success: false, result: null, error: { code: 'circuit_open', message: `circuit breaker of ${overlay.name} is open` }, execution_time_ms: 0, fuel_consumed: 0 };
    }
    const result = await this.deps.runtime().invoke({
      sha256: overlay.sha256,
      module: await this.moduleOf(overlay),
      entry: call.function,
      input: call.args,
      fuel: manifest.limits.fuel_per_entry[call.function] ?? manifest.limits.max_fuel,
      timeoutMs: Math.min(call.timeout_ms ?? manifest.limits.max_execution_ms, manifest.limits.max_execution_ms),
      grants: grantedHostFunctions(manifest),
      imports: overlay.imports,
      context: { overlay, reads: new Set() },
    });
    const outcome = await this.deps.immune.record(id, {
      failed: !result.success,
      ms: result.execution_time_ms,
      fuel: result.fuel_consumed ?? 0,
      error: result.error ? `${result.error.code}: ${result.error.message}` : '',
    });
    if (outcome.quarantine) {
      await this.quarantine(overlay, `failure rate ${(outcome.failures / outcome.invocations).toFixed(2)} over ${outcome.invocations} invocations (threshold ${this.deps.immune.settings.quarantineFailureRate})`);
    }
    return result;
  }

  /**
   * Quarantines an active overlay: it stops running everywhere, an `overlay_quarantined` event is published
   * and the change is audited. CORE overlays (trust 100) are immune. Idempotent across processes.
   */
  async quarantine(overlay: OverlayRecord, reason: string): Promise<boolean> {
    if (overlay.trust_level >= 100) return false;
    const changed = await this.deps.store.setOverlayState(overlay.id, { state: 'quarantined', reason, from: ['active'] }, { actor_id: 'immune-system' });
    if (!changed) return false;
    this.active = null;
    const event = { type: 'overlay_quarantined', overlay_id: overlay.id, name: overlay.name, version: overlay.version, reason };
    await Promise.all([
      this.deps.redis.xadd(`${this.deps.prefix}:overlay-events`, 'MAXLEN', '~', '10000', '*', 'overlay', overlay.name, 'overlay_id', overlay.id, 'type', event.type, 'payload', JSON.stringify(event)),
      this.deps.redis.publish(forgeKeys(this.deps.prefix).events, JSON.stringify(event)),
    ]);
    return true;
  }

  /**
   * Resets a quarantined overlay's breaker and metrics and re-runs its health check: healthy → active,
   * otherwise it stays quarantined with the reason.
   */
  async recover(caller: Caller, id: string): Promise<{ overlay: OverlayRecord; healthy: boolean }> {
    const overlay = await this.get(id);
    if (overlay.state !== 'quarantined') throw new ConflictError('overlay', id, `is ${overlay.state}, not quarantined`);
    await this.deps.immune.reset(id);
    const check = await this.health(id);
    if (!check.healthy) {
      const reason = `recovery failed: health check ${check.error ? `${check.error.code}: ${check.error.message}` : `returned ${check.status}`}`;
      const still = (await this.deps.store.setOverlayState(id, { state: 'quarantined', reason }, { actor_id: caller.id })) as OverlayRecord;
      return { overlay: still, healthy: false };
    }
    const active = (await this.deps.store.setOverlayState(id, { state: 'active', reason: 'recovered', config: overlay.config }, { actor_id: caller.id })) as OverlayRecord;
    this.active = null;
    return { overlay: active, healthy: true };
  }

  async health(id: string): Promise<{ healthy: boolean; status: number | null; error: InvocationResult['error'] }> {
    const overlay = await this.get(id);
    const manifest = overlay.manifest as unknown as OverlayManifest;
    const result = await this.deps.runtime().invoke({
      sha256: overlay.sha256,
      module: await this.moduleOf(overlay),
      entry: 'health_check',
      mode: 'health',
      input: null,
      fuel: manifest.limits.max_fuel,
      timeoutMs: manifest.limits.max_execution_ms,
      grants: grantedHostFunctions(manifest),
      imports: overlay.imports,
      context: { overlay, reads: new Set() },
    });
    const verdict = result.result as { healthy: boolean; status: number | null } | null;
    const healthy = result.success && Boolean(verdict?.healthy);
    const failedInARow = await this.deps.immune.health(id, healthy);
    if (failedInARow >= this.deps.immune.settings.quarantineHealthFailures && overlay.state === 'active') {
      await this.quarantine(overlay, `${failedInARow} consecutive failed health checks`);
    }
    return { healthy, status: verdict?.status ?? null, error: result.error };
  }

  private reportKey(id: string) {
    return `${this.deps.prefix}:overlay:${id}:health-report`;
  }

  /**
   * Runs the hierarchical health check of one overlay (L1 module, L2 dependencies, L3 circuit, L4 probe)
   * and keeps the report for the system health view. L1 failures count toward quarantine.
   */
  async checkHealth(id: string): Promise<HealthReport> {
    const overlay = await this.get(id);
    const manifest = overlay.manifest as unknown as OverlayManifest;
    const l1 = await this.health(id);
    const unmet: string[] = [];
    for (const [name, range] of Object.entries(manifest.dependencies)) {
      const candidates = (await this.deps.store.listOverlays({ name })).filter((c) => satisfies(c.version, range));
      if (!candidates.some((c) => c.state === 'active')) {
        unmet.push(`${name}@${range} ${candidates.some((c) => c.state === 'quarantined') ? 'quarantined' : 'not active'}`);
      }
    }
    const breaker = await this.deps.immune.breaker(id);
    let probe = { ok: true, detail: 'no probe configured' };
    if (this.deps.probe) {
      try {
        probe = await this.deps.probe(overlay);
      } catch (err) {
        probe = { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    }
    const levels: HealthReport['levels'] = {
      module: { ok: l1.healthy, status: l1.status, error: l1.error ? `${l1.error.code}: ${l1.error.message}` : null },
      dependencies: { ok: unmet.length === 0, detail: unmet.length ? unmet.join('; ') : `${Object.keys(manifest.dependencies).length} satisfied` },
      circuit: { ok: breaker.state !== 'open', state: breaker.state },
      probe,
    };
    const report: HealthReport = {
      overlay_id: id,
      name: overlay.name,
      version: overlay.version,
      at: new Date().toISOString(),
      healthy: levels.module.ok && levels.dependencies.ok && levels.circuit.ok && levels.probe.ok,
      levels,
    };
    await this.deps.redis.set(this.reportKey(id), JSON.stringify(report), 'EX', 7 * 24 * 3600);
    return report;
  }

  /**
   * Starts routing a share of `stableId`'s invocations to `candidate_id` (the same overlay, another
   * version, registered and not active). Verdicts come from `evaluateCanaries`.
   */
  async startCanary(caller: Caller, stableId: string, options: CanaryOptions): Promise<CanaryView> {
    const stable = await this.get(stableId);
    const candidate = await this.get(options.candidate_id);
    if (stable.state !== 'active') throw new ConflictError('overlay', stableId, `is ${stable.state}; a canary needs an active stable version`);
    if (candidate.name !== stable.name || candidate.id === stable.id) throw new ConflictError('overlay', candidate.id, `is not another version of ${stable.name}`);
    if (candidate.state === 'active' || candidate.state === 'quarantined') throw new ConflictError('overlay', candidate.id, `is ${candidate.state}; a candidate must be pending or suspended`);
    await this.deps.canaries.start(stableId, options);
    await this.deps.store.appendAudit({
      actor_id: caller.id,
      action: 'overlay.canary.start',
      entity_type: 'overlay',
      entity_id: stableId,
      details: { ...options, stable_version: stable.version, candidate_version: candidate.version },
    });
    return (await this.deps.canaries.view(stableId)) as CanaryView;
  }

  async canary(stableId: string): Promise<CanaryView> {
    await this.get(stableId);
    const view = await this.deps.canaries.view(stableId);
    if (!view) throw new NotFoundError('canary of overlay', stableId);
    return view;
  }

  /** Decides every running canary that has enough calls: promote (candidate active, stable suspended) or roll back. */
  async evaluateCanaries(): Promise<CanaryView[]> {
    const decided: CanaryView[] = [];
    for (const stableId of await this.deps.canaries.running()) {
      const view = await this.deps.canaries.view(stableId);
      const verdict = view ? CanaryStore.verdict(view) : null;
      if (!view || !verdict) continue;
      if (verdict.status === 'promoted') {
        const stable = await this.get(stableId);
        await this.deps.store.setOverlayState(view.candidate_id, { state: 'active', reason: `promoted by canary: ${verdict.reason}`, config: stable.config }, { actor_id: 'canary' });
        await this.deps.store.setOverlayState(stableId, { state: 'suspended', reason: `replaced by canary ${view.candidate_id}`, from: ['active'] }, { actor_id: 'canary' });
      } else {
        await this.deps.store.setOverlayState(view.candidate_id, { state: 'suspended', reason: `canary rolled back: ${verdict.reason}` }, { actor_id: 'canary' });
      }
      this.active = null;
      await this.deps.canaries.end(stableId, verdict.status, verdict.reason);
      await this.deps.store.appendAudit({ actor_id: 'canary', action: `overlay.canary.${verdict.status}`, entity_type: 'overlay', entity_id: stableId, details: { candidate_id: view.candidate_id, reason: verdict.reason } });
      decided.push((await this.deps.canaries.view(stableId)) as CanaryView);
    }
    return decided;
  }

  /** The scheduled round: every active overlay. */
  async checkAllActive(): Promise<HealthReport[]> {
    const reports: HealthReport[] = [];
    for (const overlay of await this.deps.store.listOverlays({ state: 'active' })) reports.push(await this.checkHealth(overlay.id));
    return reports;
  }

  /** The last health report of each overlay that has one. */
  async lastHealthReports(): Promise<HealthReport[]> {
    const overlays = await this.deps.store.listOverlays({});
    if (overlays.length === 0) return [];
    const raw = await this.deps.redis.mget(...overlays.map((o) => this.reportKey(o.id)));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as HealthReport);
  }

  async metrics(id: string): Promise<OverlayMetrics> {
    await this.get(id);
    const k = this.deps.immune.keys(id);
    const [h, durations, breaker] = await Promise.all([this.deps.redis.hgetall(k.metrics), this.deps.redis.lrange(k.durations, 0, -1), this.deps.immune.breaker(id)]);
    const invocations = Number(h.invocations ?? 0);
    const failures = Number(h.failures ?? 0);
    const fuel = Number(h.fuel ?? 0);
    const sorted = durations.map(Number).sort((a, b) => a - b);
    const p95 = sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] as number) : 0;
    return {
      invocations,
      failures,
      failure_rate: invocations ? failures / invocations : 0,
      mean_ms: invocations ? Number(h.total_ms ?? 0) / invocations : 0,
      p95_ms: p95,
      fuel_total: fuel,
      mean_fuel: invocations ? fuel / invocations : 0,
      last_error: h.last_error ?? null,
      skipped: Number(h.skipped ?? 0),
      breaker,
    };
  }

  /**
   * Runs every active overlay bound to `phase` on `input`, in parallel, each on its `process` entry point
   * (or its first). Returns null when none is bound, so a phase without overlays pays one cached lookup.
   */
  async runPhase(phase: string, input: unknown): Promise<PhaseOverlayReport | null> {
    if (!this.active || Date.now() - this.active.at > ACTIVE_LIST_TTL_MS) {
      this.active = { at: Date.now(), list: this.deps.store.listOverlays({ state: 'active' }) };
    }
    const bound = (await this.active.list).filter((o) => (o.manifest as unknown as OverlayManifest).phases.includes(phase as OverlayManifest['phases'][number]));
    if (bound.length === 0) return null;
    const report: PhaseOverlayReport = {};
    await Promise.all(
      bound.map(async (overlay) => {
        const manifest = overlay.manifest as unknown as OverlayManifest;
        const entry = manifest.entry_points.includes('process') ? 'process' : (manifest.entry_points[0] as string);
        let result: InvocationResult;
        try {
          result = await this.invoke(overlay.id, { function: entry, args: input });
        } catch (err) {
          // Suspended or removed since the list was read: it no longer takes part.
          if (err instanceof ConflictError || err instanceof NotFoundError) return;
          throw err;
        }
        report[overlay.name] = {
          success: result.success,
          result: result.result,
          error: result.error,
          fuel_consumed: result.fuel_consumed,
          execution_time_ms: result.execution_time_ms,
          ...(result.error?.code === 'circuit_open' ? { skipped: true } : {}),
        };
      }),
    );
    return report;
  }

  /** The host functions, served for every overlay this process runs. */
  hostHandlers(): HostHandlers<InvocationContext> {
    const { store, capsules, redis, prefix } = this.deps;
    const fail = (code: string, message: string, status: number = HOST_ERROR.failed) => ({ reply: { ok: false, error: { code, message } }, status });
    const actor = (o: OverlayRecord): Caller => ({ id: `overlay:${o.name}`, roles: ['overlay'], trust_level: o.trust_level });
    /** A capability's `types` constraint, when the manifest sets one: the only types it allows. */
    const allowedTypes = (o: OverlayRecord, capability: string): string[] | null => {
      const grant = (o.manifest as unknown as OverlayManifest).capabilities.find((c) => c.name === capability);
      const types = grant?.constraints.types;
      return Array.isArray(types) ? types.map(String) : null;
    };
    const outside = (types: string[] | null, type: string) => types !== null && !types.includes(type);
    const handlers: Record<HostCallFunction, (request: unknown, ctx: InvocationContext) => Promise<{ reply: unknown; status?: number }>> = {
      async capsule_read(request, { overlay, reads }) {
        const { id } = ReadRequest.parse(request);
        const capsule = await store.getCapsule(id);
        if (!capsule || !canRead(overlay.trust_level, capsule)) return fail('not_found', `capsule ${id} not found`);
        reads.add(capsule.id);
        return { reply: { ok: true, capsule } };
      },
      async capsule_search(request, { overlay, reads }) {
        const { query, limit } = SearchRequest.parse(request);
        const hits = await capsules.search(actor(overlay), { q: query, limit });
        for (const h of hits) reads.add(h.capsule.id);
        return { reply: { ok: true, results: hits.map((h) => ({ ...h.capsule, score: h.score })) } };
      },
      async capsule_create(request, { overlay, reads }) {
        const input = CreateRequest.parse(request);
        const types = allowedTypes(overlay, 'capsule:write');
        if (outside(types, input.type)) return fail('capability_denied', `capsule:write allows types ${types?.join(', ')}, not ${input.type}`, HOST_ERROR.capability_denied);
        const created = await capsules.create(actor(overlay), {
          content: input.content,
          type: input.type,
          tags: input.tags,
          trust_level: Math.min(input.trust_level ?? overlay.trust_level, overlay.trust_level),
          metadata: { ...input.metadata, created_by_overlay: { id: overlay.id, name: overlay.name, version: overlay.version } },
          derived_from: [...reads].map((parent_id) => ({ parent_id, reason: 'read-by-overlay' })),
        });
        return { reply: { ok: true, id: created.id, trust_level: created.trust_level } };
      },
      async config_get(request, { overlay }) {
        const { key } = ConfigRequest.parse(request);
        if (!(key in overlay.config)) return fail('not_found', `config "${key}" is not set`);
        return { reply: { ok: true, value: overlay.config[key] } };
      },
      async event_publish(request, { overlay }) {
        const event = EventRequest.parse(request);
        const types = allowedTypes(overlay, 'event:publish');
        if (outside(types, event.type)) return fail('capability_denied', `event:publish allows types ${types?.join(', ')}, not ${event.type}`, HOST_ERROR.capability_denied);
        await redis.xadd(`${prefix}:overlay-events`, 'MAXLEN', '~', '10000', '*', 'overlay', overlay.name, 'overlay_id', overlay.id, 'type', event.type, 'payload', JSON.stringify(event.payload ?? null));
        return { reply: { ok: true }, status: 0 };
      },
    };
    const LEVELS = ['debug', 'info', 'warn', 'error'];
    return {
      log(level, message, { overlay }) {
        const line = `[overlay ${overlay.name}@${overlay.version}] ${LEVELS[level] ?? level}: ${message.slice(0, 500)}`;
        if (level >= 2) console.error(line);
        else console.log(line);
      },
      async call(fn, request, context) {
        try {
          return await handlers[fn](request, context);
        } catch (err) {
          if (err instanceof z.ZodError) return fail('bad_request', `${fn}: ${err.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, HOST_ERROR.bad_request);
          if (err instanceof ForgeError) return fail(err.code, err.message);
          throw err;
        }
      },
    };
  }
}


import type { GateAuthority, GovernanceGate } from '../governance/gate.js';
import { registeredOverlayTrust } from '../auth/policy.js';
import type { Queue } from 'bullmq';
import { sha256Hex, type BlobStore } from '../blobs/blob-store.js';
import type { ForgeConfig, Phase } from '../config/index.js';
import type { EventChannel } from '../fleet/fleet-state.js';
import { ConflictError, ForgeError, NotFoundError, PermissionDeniedError } from '../errors.js';
import { satisfies } from '../store/versions.js';
import type { Caller, GraphStore, JsonObject, MutationContext, OverlayFilter, OverlayRecord, OverlayStateChange } from '../store/graph-store.js';
import { failurePolicy, parseManifest, type OverlayManifest } from './manifest.js';
import { createModulePreparation, type ModulePreparation } from './preparation.js';

export const OVERLAY_EXPIRY_QUEUE = 'overlay-expiry';

/** Data of a job on the overlay-expiry queue. */
export interface OverlayExpiryJob {
  readonly overlay_id: string;
  readonly expires_at: string;
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

  override details(): Record<string, unknown> {
    return { ...(this.missing.length ? { missing: this.missing } : {}), ...(this.unknown.length ? { unknown: this.unknown } : {}) };
  }
}

/**
 * An overlay's limits that cannot hold in a phase it binds to: its `max_execution_ms` is longer than the
 * phase's timeout, so the phase would time out before the overlay's own deadline could fail it cleanly.
 */
export class OverlayLimitConflictError extends ForgeError {
  readonly overlay: string;
  readonly phase: Phase;
  readonly maxExecutionMs: number;
  readonly phaseTimeoutMs: number;
  constructor(overlay: string, phase: Phase, maxExecutionMs: number, phaseTimeoutMs: number) {
    super(
      'validation_failed',
      `overlay ${overlay} cannot be activated: limits.max_execution_ms ${maxExecutionMs} is longer than the ${phase} phase's timeout ` +
        `FORGE_${phase.toUpperCase()}_TIMEOUT_MS ${phaseTimeoutMs}; lower the one or raise the other`,
      { retryable: false },
    );
    this.overlay = overlay;
    this.phase = phase;
    this.maxExecutionMs = maxExecutionMs;
    this.phaseTimeoutMs = phaseTimeoutMs;
  }

  override details(): Record<string, unknown> {
    return { phase: this.phase, max_execution_ms: this.maxExecutionMs, phase_timeout_ms: this.phaseTimeoutMs };
  }
}

export interface OverlayRegistryDeps {
  readonly store: GraphStore;
  readonly blobs: BlobStore;
  readonly phases: ForgeConfig['phases'];
  /** Delayed jobs that end activations with a TTL. */
  readonly expiry: Queue<OverlayExpiryJob>;
  /** The fleet channel: a state change made anywhere drops every process's list of active overlays at once. */
  readonly changes?: EventChannel;
  /** The governance gate every activation passes. */
  readonly gate: Pick<GovernanceGate, 'admit'>;
}

/** How long a process trusts its list of active overlays before reading it again. */
const ACTIVE_LIST_TTL_MS = 1000;

/**
 * Overlays as records: registration (validate, instrument, store), the lifecycle (pending → active →
 * suspended / quarantined → active), dependencies and config at activation, and the module bytes. Every
 * state change goes through `setState`, so this process's view of the active overlays is never stale
 * after a change it made (other processes see it within a second).
 */
export class OverlayRegistry {
  private readonly deps: OverlayRegistryDeps;
  private readonly modules = new Map<string, Uint8Array>();
  private activeList: { readonly at: number; readonly list: Promise<OverlayRecord[]> } | null = null;
  private listening: Promise<unknown> | undefined;

  private readonly preparation: ModulePreparation = createModulePreparation();

  constructor(deps: OverlayRegistryDeps) {
    this.deps = deps;
  }

  /** Ends the preparation thread, if one runs. */
  close(): Promise<void> {
    return this.preparation.close();
  }

  /** The overlay as the API returns it: secret config values masked. */
  view(overlay: OverlayRecord): OverlayRecord {
    const config: JsonObject = {};
    for (const [key, value] of Object.entries(overlay.config)) config[key] = overlay.manifest.config[key]?.secret ? '********' : value;
    return { ...overlay, config };
  }

  find(id: string): Promise<OverlayRecord | null> {
    return this.deps.store.getOverlay(id);
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
   * Every overlay that was ever activated (active, suspended or quarantined), read at most once a second
   * per process (the pipeline's hot path asks for every phase), and again at once after any process
   * changes an overlay's state.
   */
  bound(): Promise<OverlayRecord[]> {
    this.listening ??= this.deps.changes
      ?.subscribe('overlay.state_changed', () => {
        this.activeList = null;
      })
      .catch((err: unknown) => console.error('[forge] overlay state changes will be seen within a second, not at once:', err instanceof Error ? err.message : err));
    if (!this.activeList || Date.now() - this.activeList.at > ACTIVE_LIST_TTL_MS) {
      this.activeList = { at: Date.now(), list: this.deps.store.listOverlays({}).then((all) => all.filter((o) => o.state !== 'pending')) };
    }
    return this.activeList.list;
  }

  /** The active overlays (from `bound`). */
  async active(): Promise<OverlayRecord[]> {
    return (await this.bound()).filter((o) => o.state === 'active');
  }

  /** The one way an overlay's state changes. Returns null when `change.from` did not match. */
  async setState(id: string, change: OverlayStateChange, ctx: MutationContext): Promise<OverlayRecord | null> {
    const changed = await this.deps.store.setOverlayState(id, change, ctx);
    this.activeList = null;
    if (changed) await this.deps.changes?.publish({ type: 'overlay.state_changed', overlay_id: id, state: changed.state }).catch(() => undefined);
    return changed;
  }

  /** Changes an overlay's trust (audited with the reason); every process sees it at once. */
  async setTrust(id: string, trust: number, reason: string, ctx: MutationContext): Promise<OverlayRecord> {
    const changed = await this.deps.store.setOverlayTrust(id, trust, reason, ctx);
    this.activeList = null;
    await this.deps.changes?.publish({ type: 'overlay.state_changed', overlay_id: id, state: changed.state }).catch(() => undefined);
    return changed;
  }

  /** The trust an overlay was granted at registration (its manifest's, at most its submitter's). */
  async registeredTrust(overlay: OverlayRecord): Promise<number> {
    const [registered] = await this.deps.store.listAudit({ limit: 1, entity_id: overlay.id, action: 'overlay.register' });
    const trust = registered?.details.trust_level;
    return typeof trust === 'number' ? trust : overlay.trust_level;
  }

  /** The instrumented module of an overlay, cached in this process by sha256. */
  async module(overlay: OverlayRecord): Promise<Uint8Array> {
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
   * Validates, instruments and stores a module, and records the overlay as `pending`.
   * @throws ManifestError, OverlayModuleError, InvalidModuleError, MemoryLimitError, TableLimitError, ConflictError
   */
  async register(caller: Caller, manifestText: string, wasm: Uint8Array): Promise<OverlayRecord> {
    const manifest = parseManifest(manifestText);
    const existing = await this.deps.store.listOverlays({ name: manifest.name });
    if (existing.some((o) => o.version === manifest.version)) {
      throw new ConflictError('overlay', `${manifest.name}@${manifest.version}`, 'is already registered');
    }
    // Checked and instrumented in a thread of its own: a large module takes seconds, and the API and the
    // workers of this process keep running meanwhile.
    const { module: instrumented, imports } = await this.preparation.prepare(wasm, manifest, { maxMemoryPages: manifest.limits.max_memory_mb * 16 });
    const { sha256, key } = await this.deps.blobs.put(instrumented, `overlays/${manifest.name}/${manifest.version}/${sha256Hex(instrumented)}.wasm`);
    return this.deps.store.createOverlay(
      {
        name: manifest.name,
        version: manifest.version,
        manifest,
        manifest_text: manifestText,
        sha256,
        blob_key: key,
        wasm_size: instrumented.byteLength,
        imports,
        trust_level: registeredOverlayTrust(manifest.trust_level, caller),
        submitted_by: caller.id,
      },
      { actor_id: caller.id },
    );
  }

  /**
   * Activates an overlay with its config (defaults applied) and an optional TTL.
   * @throws OverlayConfigError (missing or unknown config), OverlayLimitConflictError, ConflictError
   * (quarantined, or a dependency not active in a version its range accepts)
   */
  async activate(caller: Caller, id: string, options: { config?: JsonObject; ttl_seconds?: number; authority?: GateAuthority } = {}): Promise<OverlayRecord> {
    const overlay = await this.get(id);
    // The governance gate: at or above its trust, a passed proposal or an admin's emergency.
    const change = { what: `activating overlay ${overlay.name}@${overlay.version}`, entity_type: 'overlay', entity_id: overlay.id, trust: overlay.trust_level } as const;
    const admitted = await this.deps.gate.admit(caller, change, options.authority);
    if (overlay.state === 'quarantined') throw new ConflictError('overlay', id, 'is quarantined; recover it first');
    const manifest = overlay.manifest;
    this.checkLimits(overlay.name, manifest);
    const config: JsonObject = { ...overlay.config, ...options.config };
    for (const [key, spec] of Object.entries(manifest.config)) if (config[key] === undefined && spec.default !== undefined) config[key] = spec.default as JsonObject[string];
    const unknown = Object.keys(options.config ?? {}).filter((k) => !(k in manifest.config));
    const missing = Object.entries(manifest.config).filter(([key, spec]) => spec.required && config[key] === undefined).map(([key]) => key);
    if (missing.length || unknown.length) throw new OverlayConfigError(overlay.name, { missing, unknown });
    const unmet = (await this.dependencies(manifest)).filter((d) => d.state !== 'active');
    if (unmet.length) throw new ConflictError('overlay', id, `needs active ${unmet.map((d) => d.requirement).join(', ')}`);
    const expiresAt = options.ttl_seconds ? new Date(Date.now() + options.ttl_seconds * 1000).toISOString() : null;
    const active = (await this.setState(id, { state: 'active', config, expires_at: expiresAt }, { actor_id: caller.id })) as OverlayRecord;
    await admitted(active.id);
    if (expiresAt && options.ttl_seconds) {
      await this.deps.expiry.add(
        'expire',
        { overlay_id: id, expires_at: expiresAt },
        {
          delay: options.ttl_seconds * 1000,
          jobId: `${id}.${Date.parse(expiresAt)}`,
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      );
    }
    return active;
  }

  /** An overlay's deadline must fit inside every phase it binds to. */
  private checkLimits(name: string, manifest: OverlayManifest): void {
    for (const phase of manifest.phases) {
      const { timeoutMs } = this.deps.phases[phase];
      if (manifest.limits.max_execution_ms > timeoutMs) throw new OverlayLimitConflictError(name, phase, manifest.limits.max_execution_ms, timeoutMs);
    }
  }

  /**
   * Each declared dependency and how it stands: `active` when a version its range accepts is active,
   * `quarantined` when such a version exists only quarantined, `missing` otherwise.
   */
  async dependencies(manifest: OverlayManifest): Promise<Array<{ requirement: string; state: 'active' | 'quarantined' | 'missing' }>> {
    const out: Array<{ requirement: string; state: 'active' | 'quarantined' | 'missing' }> = [];
    for (const [name, range] of Object.entries(manifest.dependencies)) {
      const candidates = (await this.deps.store.listOverlays({ name })).filter((c) => satisfies(c.version, range));
      const state = candidates.some((c) => c.state === 'active') ? 'active' : candidates.some((c) => c.state === 'quarantined') ? 'quarantined' : 'missing';
      out.push({ requirement: `${name}@${range}`, state });
    }
    return out;
  }

  /** Ends an activation whose TTL passed, unless it was re-activated since. */
  async expire(id: string, expiresAt: string): Promise<void> {
    const overlay = await this.deps.store.getOverlay(id);
    if (!overlay || overlay.state !== 'active' || overlay.expires_at !== expiresAt) return;
    await this.setState(id, { state: 'suspended', reason: `activation expired at ${expiresAt}`, from: ['active'] }, { actor_id: 'system' });
  }

  /** Suspends an overlay; one the security phase requires (fail_closed) only by an admin. The change is audited. */
  async suspend(caller: Caller, id: string, reason: string): Promise<OverlayRecord> {
    const overlay = await this.get(id);
    if (overlay.manifest.phases.some((p) => failurePolicy(overlay.manifest, p) === 'fail_closed') && !caller.roles.includes('admin')) {
      throw new PermissionDeniedError(`suspending ${overlay.name}, which its phases require (fail_closed),`, 'admin', caller.roles[0] ?? 'none');
    }
    return (await this.setState(id, { state: 'suspended', reason }, { actor_id: caller.id })) as OverlayRecord;
  }

  /** Deletes the record (its fleet state is the caller's to forget: see `OverlayHealth.forget`). */
  async remove(caller: Caller, id: string): Promise<OverlayRecord> {
    const overlay = await this.get(id);
    await this.deps.store.deleteOverlay(id, { actor_id: caller.id });
    this.activeList = null;
    this.modules.delete(overlay.sha256);
    return overlay;
  }
}

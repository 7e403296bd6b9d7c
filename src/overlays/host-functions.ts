import { z } from 'zod';
import { ForgeError, RequestValidationError } from '../errors.js';
import { cascadeEventId, type EventBus } from '../events/bus.js';
import type { CapsuleService } from '../services/capsules.js';
import { actingFor, emittedCapsuleTrust, emittedEventLabel, joinLabels, WriteDownError } from '../auth/policy.js';
import { CreateCapsuleBody } from '../producers/api-schemas.js';
import { CAPSULE_TYPES, type Caller, type OverlayRecord } from '../store/graph-store.js';
import { HOST_ERROR, type Capability, type HostCallFunction } from './abi.js';
import type { InvocationContext } from './executor.js';
import type { HostHandlers } from './runtime.js';

const ReadRequest = z.object({ id: z.string().min(1).max(100) });
const SearchRequest = z.object({ query: z.string().min(1).max(2000), limit: z.number().int().min(1).max(20).default(5) });
/** The API's own rules and size limits for a new capsule (an overlay names no sources: they are what it read). */
const CreateRequest = CreateCapsuleBody.pick({ content: true, tags: true, metadata: true, trust_level: true }).extend({ type: z.enum(CAPSULE_TYPES).default('insight') });
const ConfigRequest = z.object({ key: z.string().min(1).max(64) });
const EventRequest = z.object({ type: z.string().min(1).max(100), payload: z.unknown().optional() });

export interface HostFunctionDeps {
  readonly capsules: Pick<CapsuleService, 'get' | 'search' | 'create'>;
  /** Where `event_publish` goes: validated against the kind's schema, persisted, delivered to subscribers. */
  readonly events: Pick<EventBus, 'publish'>;
  /**
   * Counts one published event against the overlay's per-minute limit, fleet-wide. Without it, publishing
   * is not limited.
   */
  readonly publishLimit?: (overlayName: string, perMinute: number) => Promise<{ readonly allowed: boolean; readonly retryAfterS: number }>;
  /** Events an overlay may publish per minute unless its `event:publish` grant sets `per_minute`. @defaultValue 600 */
  readonly eventsPerMinute?: number;
}

type Handler = (request: unknown, ctx: InvocationContext) => Promise<{ reply: unknown; status?: number }>;

const fail = (code: string, message: string, status: number = HOST_ERROR.failed) => ({ reply: { ok: false, error: { code, message } }, status });

/** Whom an overlay acts as when it reads or writes: itself, at no more than the trust of the caller it serves. */
function actorOf(overlay: OverlayRecord, caller: Caller | null): Caller {
  return actingFor(caller, { id: `overlay:${overlay.name}`, roles: ['overlay'], trust_level: overlay.trust_level });
}

/** A capability's `types` constraint, when the manifest sets one: the only types it allows. */
function allowedTypes(overlay: OverlayRecord, capability: Capability): string[] | null {
  const types = overlay.manifest.capabilities.find((c) => c.name === capability)?.constraints.types;
  return Array.isArray(types) ? types.map(String) : null;
}

const outside = (types: string[] | null, type: string) => types !== null && !types.includes(type);

/**
 * The host functions, served in the process that owns the overlay pool for every overlay it runs. Each
 * request is validated (a bad one is `bad_request`, never a host failure); capability constraints are
 * checked here, the grants themselves in the overlay thread.
 */
export function createHostHandlers(deps: HostFunctionDeps): HostHandlers<InvocationContext> {
  const { capsules, events, publishLimit } = deps;
  const handlers: Record<HostCallFunction, Handler> = {
    async capsule_read(request, context) {
      const { overlay, caller, reads } = context;
      const { id } = ReadRequest.parse(request);
      // Read through the trust rules, as the overlay acting for its caller (NotFoundError above it).
      const capsule = await capsules.get(actorOf(overlay, caller), id);
      reads.set(capsule.id, capsule.trust_level);
      context.label = joinLabels(context.label, capsule.trust_level);
      return { reply: { ok: true, capsule } };
    },
    async capsule_search(request, context) {
      const { overlay, caller, reads } = context;
      const { query, limit } = SearchRequest.parse(request);
      const hits = await capsules.search(actorOf(overlay, caller), { q: query, limit });
      for (const h of hits) reads.set(h.capsule.id, h.capsule.trust_level);
      context.label = joinLabels(context.label, ...hits.map((h) => h.capsule.trust_level));
      return { reply: { ok: true, results: hits.map((h) => ({ ...h.capsule, score: h.score })) } };
    },
    async capsule_create(request, context) {
      const { overlay, caller, reads } = context;
      if (!context.effects) return fail('not_active', `capsule_create: ${overlay.name}@${overlay.version} is ${overlay.state}; a health check of an overlay that is not active has no effects`, HOST_ERROR.capability_denied);
      const input = CreateRequest.parse(request);
      const types = allowedTypes(overlay, 'capsule:write');
      if (outside(types, input.type)) return fail('capability_denied', `capsule:write allows types ${types?.join(', ')}, not ${input.type}`, HOST_ERROR.capability_denied);
      // No write-down: the capsule sits at or above the invocation's label (what it was given and read);
      // everything it read is a source (rule 4). A label above what the writer may write refuses it here.
      const writer = actorOf(overlay, caller);
      const trust = emittedCapsuleTrust({ label: context.label, writer: writer.trust_level, sources: [...reads.values()], ...(input.trust_level === undefined ? {} : { requested: input.trust_level }) });
      const created = await capsules.create(writer, {
        content: input.content,
        type: input.type,
        tags: input.tags ?? [],
        trust_level: trust,
        metadata: { ...input.metadata, created_by_overlay: { id: overlay.id, name: overlay.name, version: overlay.version, sha256: overlay.sha256 } },
        derived_from: [...reads.keys()].map((parent_id) => ({
          parent_id,
          reason: 'read-by-overlay',
          changes: { overlay_id: overlay.id, overlay: `${overlay.name}@${overlay.version}`, sha256: overlay.sha256 },
        })),
      });
      return { reply: { ok: true, id: created.id, trust_level: created.trust_level } };
    },
    async config_get(request, { overlay }) {
      const { key } = ConfigRequest.parse(request);
      if (!(key in overlay.config)) return fail('not_found', `config "${key}" is not set`);
      return { reply: { ok: true, value: overlay.config[key] } };
    },
    async event_publish(request, context) {
      const { overlay, scope } = context;
      if (!context.effects) return fail('not_active', `event_publish: ${overlay.name}@${overlay.version} is ${overlay.state}; a health check of an overlay that is not active has no effects`, HOST_ERROR.capability_denied);
      const event = EventRequest.parse(request);
      const grant = overlay.manifest.capabilities.find((c) => c.name === 'event:publish');
      const types = allowedTypes(overlay, 'event:publish');
      if (outside(types, event.type)) return fail('capability_denied', `event:publish allows types ${types?.join(', ')}, not ${event.type}`, HOST_ERROR.capability_denied);
      if (publishLimit) {
        const own = grant?.constraints.per_minute;
        const perMinute = typeof own === 'number' && own > 0 ? Math.min(own, deps.eventsPerMinute ?? 600) : (deps.eventsPerMinute ?? 600);
        const { allowed, retryAfterS } = await publishLimit(overlay.name, perMinute);
        if (!allowed) return fail('rate_limited', `event_publish: ${overlay.name} may publish ${perMinute} events a minute; try again in ${retryAfterS} s`, HOST_ERROR.rate_limited);
      }
      // Published at the invocation's label (never below what it was given, read, or the event it handles):
      // no reader below it sees what it learned.
      const trust = emittedEventLabel(context.label);
      const n = context.published++;
      const published = await events.publish({
        // Handling an event, the nth publish has a fixed id: a redelivered event publishes nothing twice.
        ...(scope.event && scope.via ? { id: cascadeEventId(scope.event.id, scope.via, n), parent: scope.event, via: scope.via } : {}),
        kind: event.type,
        payload: event.payload ?? {},
        trust_level: trust,
        source: { type: 'overlay', id: overlay.id, name: overlay.name, version: overlay.version },
        correlation_id: scope.event?.correlation_id ?? scope.correlation_id ?? null,
      });
      return { reply: { ok: true, id: published.id }, status: 0 };
    },
  };
  const LEVELS = ['debug', 'info', 'warn', 'error'];
  return {
    log(level, message, { overlay, label }) {
      // Log lines go to this process's own output only, never to a read surface; they carry their label.
      const line = `[overlay ${overlay.name}@${overlay.version} label ${label}] ${LEVELS[level] ?? level}: ${message.slice(0, 500)}`;
      if (level >= 2) console.error(line);
      else console.log(line);
    },
    async call(fn, request, context) {
      try {
        return await handlers[fn](request, context);
      } catch (err) {
        if (err instanceof z.ZodError) return fail('bad_request', `${fn}: ${err.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, HOST_ERROR.bad_request);
        if (err instanceof RequestValidationError) return fail('bad_request', `${fn}: ${err.message}`, HOST_ERROR.bad_request);
        if (err instanceof WriteDownError) return fail(err.code, err.message, HOST_ERROR.write_down);
        if (err instanceof ForgeError) return fail(err.code, err.message);
        throw err;
      }
    },
  };
}

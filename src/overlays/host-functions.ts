import { z } from 'zod';
import { ForgeError, RequestValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { CapsuleService } from '../services/capsules.js';
import { actingFor, canRead } from '../auth/trust-flow.js';
import { CreateCapsuleBody } from '../producers/api-schemas.js';
import { CAPSULE_TYPES, type Caller, type GraphStore, type OverlayRecord } from '../store/graph-store.js';
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
  readonly store: Pick<GraphStore, 'getCapsule'>;
  readonly capsules: Pick<CapsuleService, 'search' | 'create'>;
  /** Where `event_publish` goes: validated against the kind's schema, persisted, delivered to subscribers. */
  readonly events: Pick<EventBus, 'publish'>;
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
  const { store, capsules, events } = deps;
  const handlers: Record<HostCallFunction, Handler> = {
    async capsule_read(request, { overlay, caller, reads }) {
      const { id } = ReadRequest.parse(request);
      const capsule = await store.getCapsule(id);
      if (!capsule || !canRead(actorOf(overlay, caller).trust_level, capsule)) return fail('not_found', `capsule ${id} not found`);
      reads.set(capsule.id, capsule.trust_level);
      return { reply: { ok: true, capsule } };
    },
    async capsule_search(request, { overlay, caller, reads }) {
      const { query, limit } = SearchRequest.parse(request);
      const hits = await capsules.search(actorOf(overlay, caller), { q: query, limit });
      for (const h of hits) reads.set(h.capsule.id, h.capsule.trust_level);
      return { reply: { ok: true, results: hits.map((h) => ({ ...h.capsule, score: h.score })) } };
    },
    async capsule_create(request, { overlay, caller, reads }) {
      const input = CreateRequest.parse(request);
      const types = allowedTypes(overlay, 'capsule:write');
      if (outside(types, input.type)) return fail('capability_denied', `capsule:write allows types ${types?.join(', ')}, not ${input.type}`, HOST_ERROR.capability_denied);
      // Everything it read is a source: the capsule sits at or above the highest of them (trust-flow rule 3).
      const created = await capsules.create(actorOf(overlay, caller), {
        content: input.content,
        type: input.type,
        tags: input.tags ?? [],
        ...(input.trust_level === undefined ? {} : { trust_level: input.trust_level }),
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
    async event_publish(request, { overlay, caller }) {
      const event = EventRequest.parse(request);
      const types = allowedTypes(overlay, 'event:publish');
      if (outside(types, event.type)) return fail('capability_denied', `event:publish allows types ${types?.join(', ')}, not ${event.type}`, HOST_ERROR.capability_denied);
      // Published at the trust the overlay acts at: no reader below it sees what it learned.
      const published = await events.publish({
        kind: event.type,
        payload: event.payload ?? {},
        trust_level: actorOf(overlay, caller).trust_level,
        source: { type: 'overlay', id: overlay.id, name: `${overlay.name}@${overlay.version}` },
      });
      return { reply: { ok: true, id: published.id }, status: 0 };
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
        if (err instanceof RequestValidationError) return fail('bad_request', `${fn}: ${err.message}`, HOST_ERROR.bad_request);
        if (err instanceof ForgeError) return fail(err.code, err.message);
        throw err;
      }
    },
  };
}

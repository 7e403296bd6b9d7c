import { z } from 'zod';

const id = z.string().min(1).max(200);
const trust = z.number().int().min(0).max(100);
const details = z.record(z.string(), z.unknown()).optional();

/**
 * Every event kind Forge knows, with the schema of its payload. Overlays may also publish `custom.<name>`
 * events, whose payload is any JSON object (size-bounded by the host call limits).
 */
export const EVENT_KINDS = {
  security_threat: z.strictObject({
    pattern: z.string().min(1).max(500),
    severity: z.enum(['low', 'medium', 'high', 'critical']),
    request_id: id.optional(),
    details,
  }),
  model_updated: z.strictObject({ model: z.string().min(1).max(200), version: z.string().max(64).optional(), reason: z.string().max(1000).optional(), details }),
  optimization_applied: z.strictObject({ target: z.string().min(1).max(200), change: z.string().min(1).max(1000), details }),
  governance_action: z.strictObject({ proposal_id: id.optional(), action: z.string().min(1).max(200), outcome: z.string().max(200).optional(), details }),
  capsule_created: z.strictObject({ capsule_id: id, version: z.string().max(64), trust_level: trust }),
  capsule_updated: z.strictObject({ capsule_id: id, version: z.string().max(64), previous_id: id.nullable(), trust_level: trust }),
  overlay_quarantined: z.strictObject({ overlay_id: id, name: z.string().max(200), reason: z.string().max(1000) }),
  overlay_activated: z.strictObject({ overlay_id: id, name: z.string().max(200), version: z.string().max(64) }),
  trust_changed: z.strictObject({ user_id: id, from: trust, to: trust, reason: z.string().max(1000) }),
  proposal_opened: z.strictObject({ proposal_id: id, title: z.string().max(500), kind: z.string().max(64) }),
  proposal_closed: z.strictObject({ proposal_id: id, outcome: z.enum(['passed', 'rejected', 'expired']) }),
} as const;

export type KnownEventKind = keyof typeof EVENT_KINDS;

/** Kinds only Forge itself publishes (it is their source of truth); callers publish the others. */
export const SYSTEM_EVENT_KINDS: ReadonlySet<string> = new Set<KnownEventKind>([
  'governance_action',
  'capsule_created',
  'capsule_updated',
  'overlay_quarantined',
  'overlay_activated',
  'trust_changed',
  'proposal_opened',
  'proposal_closed',
]);
export type EventKind = KnownEventKind | `custom.${string}`;

const CUSTOM_KIND = /^custom\.[a-z0-9][a-z0-9_.-]{0,63}$/;
const CustomPayload = z.record(z.string(), z.unknown());

/** The kinds overlays and users make up, as a regular expression's text. */
export const CUSTOM_KIND_PATTERN = CUSTOM_KIND.source;

/** Every kind there is, as one regular expression (the API document's pattern for a kind). */
export const EVENT_KIND_PATTERN = `^(?:${Object.keys(EVENT_KINDS).join('|')}|${CUSTOM_KIND.source.slice(1, -1)})$`;

export function isEventKind(kind: string): kind is EventKind {
  return Object.hasOwn(EVENT_KINDS, kind) || CUSTOM_KIND.test(kind);
}

/** The schema a kind's payload must fit; null for a kind that does not exist. */
export function payloadSchema(kind: string): z.ZodType<Record<string, unknown>> | null {
  if (Object.hasOwn(EVENT_KINDS, kind)) return EVENT_KINDS[kind as KnownEventKind] as z.ZodType<Record<string, unknown>>;
  return CUSTOM_KIND.test(kind) ? CustomPayload : null;
}

/**
 * Delivery priority (BullMQ: lower runs first): threats before governance before the rest, overlays'
 * own kinds last.
 */
export function deliveryPriority(kind: string): number {
  if (kind === 'security_threat') return 1;
  if (kind === 'governance_action' || kind.startsWith('proposal_') || kind === 'trust_changed' || kind === 'overlay_quarantined') return 2;
  return kind.startsWith('custom.') ? 10 : 5;
}

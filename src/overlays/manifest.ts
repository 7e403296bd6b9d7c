import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ForgeError, type FieldIssue } from '../errors.js';
import { isSemver } from '../store/versions.js';
import { isEventKind } from '../events/kinds.js';
import { ALLOC_EXPORT, CAPABILITIES, FUEL_GLOBAL, HOST_FUNCTIONS, type Capability, type HostFunction } from './abi.js';

/** Phases an overlay may bind to (the fire-and-forget phases run no overlays). */
export const OVERLAY_PHASES = ['context', 'analysis', 'security', 'optimization', 'intelligence'] as const;
export type OverlayPhase = (typeof OVERLAY_PHASES)[number];
export const FAILURE_POLICIES = ['fail_closed', 'fail_open'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/** The entry point events are delivered to: `on_event(ptr, len) -> i64`, input `{"event": {...}}`. */
export const ON_EVENT_ENTRY = 'on_event';

const RESERVED_EXPORTS = new Set(['memory', ALLOC_EXPORT, 'initialize', 'health_check', FUEL_GLOBAL]);
const entryName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'an entry point is an export name: letters, digits and _, at most 64')
  .refine((n) => !RESERVED_EXPORTS.has(n), 'is a reserved export of the ABI, not an entry point');

const capability = z.enum(CAPABILITIES);
const capabilityGrant = z.union([
  capability.transform((name) => ({ name, constraints: {} as Record<string, unknown> })),
  z.strictObject({ name: capability, constraints: z.record(z.string(), z.unknown()).default({}) }),
]);

const configEntry = z
  .strictObject({
    description: z.string().max(500).optional(),
    /** The overlay cannot be activated without a value. */
    required: z.boolean().default(false),
    /** Used when activation gives no value. */
    default: z.unknown().optional(),
    /** Never shown back through the API. */
    secret: z.boolean().default(false),
  })
  .refine((c) => !(c.required && c.default !== undefined), 'a required value cannot also have a default');

const RANGE_PART = /^\s*(\*|(\^|~|>=)?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)\s*$/;
const semverRange = z
  .string()
  .min(1)
  .max(100)
  .refine((r) => r.split('||').every((part) => RANGE_PART.test(part)), 'must be *, 1.2.0, ^1.2.0, ~1.2.0 or >=1.2.0 (alternatives joined by ||)');

/**
 * An overlay's manifest. Accepted as YAML or JSON; unknown fields are errors, so a typo is never a
 * silently ignored setting.
 */
export const OverlayManifest = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and -').max(100),
  version: z.string().max(64).refine(isSemver, 'must be a semantic version such as 1.0.0'),
  description: z.string().max(1000).default(''),
  author: z.string().max(100).default(''),
  /** Trust level the overlay asks for; it gets at most its submitter's. @defaultValue 40 (SANDBOX) */
  trust_level: z.number().int().min(0).max(100).default(40),
  capabilities: z.array(capabilityGrant).max(CAPABILITIES.length).default([]),
  limits: z
    .strictObject({
      /** @defaultValue 64 */
      max_memory_mb: z.number().int().min(1).max(512).default(64),
      /** @defaultValue 5000 */
      max_execution_ms: z.number().int().min(100).max(30_000).default(5000),
      /** @defaultValue 1,000,000 */
      max_fuel: z.number().int().min(1).max(10_000_000_000).default(1_000_000),
      /** Budgets per entry point, overriding max_fuel. */
      fuel_per_entry: z.record(entryName, z.number().int().min(1).max(10_000_000_000)).default({}),
    })
    .default({ max_memory_mb: 64, max_execution_ms: 5000, max_fuel: 1_000_000, fuel_per_entry: {} }),
  entry_points: z.array(entryName).min(1).max(32).default(['process']),
  phases: z.array(z.enum(OVERLAY_PHASES)).max(OVERLAY_PHASES.length).default([]),
  /**
   * Per bound phase, what its failure means: `fail_closed` rejects the request when the overlay fails, is
   * skipped by its breaker, suspended or quarantined; `fail_open` reports it and goes on.
   * @defaultValue fail_closed for security, fail_open for the others
   */
  failure_policy: z.partialRecord(z.enum(OVERLAY_PHASES), z.enum(FAILURE_POLICIES)).default({}),
  config: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'config keys are snake_case'), configEntry).default({}),
  dependencies: z.record(z.string().regex(/^[a-z0-9-]+$/), semverRange).default({}),
  /**
   * Event kinds delivered to the overlay's `on_event` entry point (needs the `event:subscribe`
   * capability, within its `types` constraint when it has one).
   */
  subscriptions: z
    .array(z.string().refine(isEventKind, 'is not an event kind (a known kind, or custom.<name>)'))
    .max(32)
    .default([]),
})
  .superRefine((m, ctx) => {
    for (const entry of Object.keys(m.limits.fuel_per_entry)) {
      if (!m.entry_points.includes(entry)) {
        ctx.addIssue({ code: 'custom', path: ['limits', 'fuel_per_entry', entry], message: `"${entry}" is not one of entry_points` });
      }
    }
    if (new Set(m.entry_points).size !== m.entry_points.length) ctx.addIssue({ code: 'custom', path: ['entry_points'], message: 'entry points must be unique' });
    if (m.name in m.dependencies) ctx.addIssue({ code: 'custom', path: ['dependencies', m.name], message: 'an overlay cannot depend on itself' });
    if (m.subscriptions.length > 0) {
      const grant = m.capabilities.find((c) => c.name === 'event:subscribe');
      if (!grant) ctx.addIssue({ code: 'custom', path: ['subscriptions'], message: 'subscribing to events needs the event:subscribe capability' });
      if (!m.entry_points.includes(ON_EVENT_ENTRY)) {
        ctx.addIssue({ code: 'custom', path: ['entry_points'], message: `an overlay with subscriptions must list ${ON_EVENT_ENTRY} among its entry points (events are delivered to it)` });
      }
      const types = grant?.constraints.types;
      if (Array.isArray(types)) {
        m.subscriptions.forEach((kind, i) => {
          if (!types.includes(kind)) ctx.addIssue({ code: 'custom', path: ['subscriptions', i], message: `"${kind}" is outside event:subscribe's types (${types.join(', ')})` });
        });
      }
    }
  });


export type OverlayManifestInput = z.input<typeof OverlayManifest>;
export type OverlayManifest = z.output<typeof OverlayManifest>;

/** The manifest text is not YAML/JSON, or does not fit the schema. `issues` name each field. */
export class ManifestError extends ForgeError {
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[]) {
    super('validation_failed', `invalid overlay manifest:\n${issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`, { retryable: false });
    this.issues = issues;
  }

  override details(): Record<string, unknown> {
    return { issues: this.issues };
  }
}

/** Parses a manifest given as YAML or JSON text (JSON is YAML, so one parser reads both). */
export function parseManifest(text: string): OverlayManifest {
  if (text.length > 64 * 1024) throw new ManifestError([{ field: '(manifest)', message: `is ${text.length} characters; at most 65536` }]);
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 16 });
  } catch (err) {
    throw new ManifestError([{ field: '(manifest)', message: err instanceof YAMLParseError ? err.message : 'is neither YAML nor JSON' }]);
  }
  const parsed = OverlayManifest.safeParse(raw);
  if (!parsed.success) {
    throw new ManifestError(parsed.error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : '(manifest)', message: i.message })));
  }
  return parsed.data;
}

/** What an overlay's failure in `phase` means (see `failure_policy`). */
export function failurePolicy(manifest: Pick<OverlayManifest, 'failure_policy'>, phase: OverlayPhase): FailurePolicy {
  return manifest.failure_policy[phase] ?? (phase === 'security' ? 'fail_closed' : 'fail_open');
}

/** Host functions the manifest's capabilities grant (`log` always). */
export function grantedHostFunctions(manifest: OverlayManifest): HostFunction[] {
  const caps = new Set<Capability>(manifest.capabilities.map((c) => c.name));
  return (Object.entries(HOST_FUNCTIONS) as Array<[HostFunction, Capability | null]>).filter(([, cap]) => cap === null || caps.has(cap)).map(([fn]) => fn);
}

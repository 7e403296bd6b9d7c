import { createHash } from 'node:crypto';
import type { FlowProducer, Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ForgeConfig, Phase } from '../config/index.js';
import { SecurityDeniedError } from '../errors.js';
import {
  QUEUE_OF,
  phaseJobId,
  phaseJobOptions,
  type AnalysisFallback,
  type AnalysisOutput,
  type ContextOutput,
  type IntelligenceOutput,
  type MetricsJobData,
  type OptimizationOutput,
  type RequestJobData,
  type SecurityOutput,
  type StorageJobData,
} from '../flows/request-flow.js';
import type { Intelligence } from '../intelligence/intelligence.js';
import type { ForgeKeys, RequestEvent } from '../redis/keys.js';
import type { Embedder } from '../search/embedder.js';
import { normalizeQuery } from '../search/text.js';
import type { OverlayService, PhaseOverlayReport } from '../overlays/service.js';
import type { CapsuleService } from '../services/capsules.js';
import type { GraphStore, PhaseTiming } from '../store/graph-store.js';
import { uuidV5 } from '../util/ids.js';
import { defineScript } from '../redis/script.js';
import { analyzeText, screenForInjection } from './builtin-checks.js';

/** What a phase handler gets for one attempt of one job. */
export interface PhaseContext<D> {
  readonly job: Job<D>;
  readonly data: D;
  /** Aborted when the phase's timeout fires; long work should stop then. */
  readonly signal: AbortSignal;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** The phase's timing so far (the runner adds the final timing to every output). */
  timing(): PhaseTiming;
}

type Untimed<T> = Omit<T, 'timing'>;

/** One function per phase. Tests and later overlays replace entries through `PipelineWorkerOptions.handlers`. */
export interface PhaseHandlers {
  context(ctx: PhaseContext<RequestJobData>): Promise<Untimed<ContextOutput>>;
  analysis(ctx: PhaseContext<RequestJobData>): Promise<Untimed<AnalysisOutput>>;
  security(ctx: PhaseContext<RequestJobData>): Promise<Untimed<SecurityOutput>>;
  optimization(ctx: PhaseContext<RequestJobData>): Promise<Untimed<OptimizationOutput>>;
  intelligence(ctx: PhaseContext<RequestJobData>): Promise<Untimed<IntelligenceOutput>>;
  metrics(ctx: PhaseContext<MetricsJobData>): Promise<{ recorded: number }>;
  storage(ctx: PhaseContext<StorageJobData>): Promise<{ audit_seq: number; saved_capsule_id: string | null }>;
}

export interface PhaseDeps {
  readonly config: ForgeConfig;
  readonly store: GraphStore;
  readonly capsules: CapsuleService;
  readonly embedder: Embedder;
  readonly intelligence: Intelligence;
  readonly redis: Redis;
  readonly keys: ForgeKeys;
  /** Adds the fire-and-forget jobs (metrics, storage) together, in one round trip. */
  readonly flows: FlowProducer;
  /** Runs the active overlays bound to a phase. */
  readonly overlays: Pick<OverlayService, 'runPhase'>;
}

/** Retrieved capsule content passed between phases is capped; the store keeps the whole text. */
const MAX_CONTENT_CHARS = 4000;
const RETRIEVAL_LIMIT = 5;

/** `getChildrenValues` keys are `<prefix>:<queue>:<jobId>`; find the value of one phase. */
function childValue<T>(values: Record<string, unknown>, phase: Phase): T | undefined {
  for (const [key, value] of Object.entries(values)) if (key.endsWith(`.${phase}`)) return value as T;
  return undefined;
}

/**
 * Cache lookup in one round trip.
 * KEYS[1] knowledge-generation counter. ARGV[1] cache key prefix, ARGV[2] digest.
 * Returns { full cache key, cached JSON or false }.
 */
const CACHE_LOOKUP = `
local generation = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[1] .. generation .. ':' .. ARGV[2]
return { key, redis.call('GET', key) }
`;

/**
 * Records one request's metrics in one round trip.
 * KEYS[1] request counters; KEYS[2..n] per-phase counters. ARGV[1] status field, ARGV[2] total ms,
 * ARGV[3..] each phase's duration, in KEYS order.
 */
const RECORD_METRICS = `
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBYFLOAT', KEYS[1], 'total_ms', ARGV[2])
for i = 2, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'count', 1)
  redis.call('HINCRBYFLOAT', KEYS[i], 'total_ms', ARGV[i + 1])
end
return #KEYS - 1
`;

/**
 * Announces a finished request and fills the answer cache, in one round trip.
 * KEYS[1] events channel, KEYS[2] cache key. ARGV[1] event JSON, ARGV[2] cached answer JSON ('' = no
 * fill), ARGV[3] TTL in seconds.
 */
const PUBLISH_AND_CACHE = `
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
return redis.call('PUBLISH', KEYS[1], ARGV[1])
`;

export function createPhaseHandlers(deps: PhaseDeps): PhaseHandlers {
  const { config, store, capsules, embedder, intelligence, redis, keys, flows, overlays } = deps;
  const withOverlays = (report: PhaseOverlayReport | null) => (report ? { overlays: report } : {});
  const request = (data: RequestJobData) => ({ id: data.request_id, query: data.query, caller: { id: data.caller.id, roles: data.caller.roles, trust_level: data.caller.trust_level } });
  const cachePrefix = keys.cache('', '').slice(0, -1); // `<prefix>:cache:`
  const cacheLookup = defineScript(redis, CACHE_LOOKUP);
  const recordMetrics = defineScript(redis, RECORD_METRICS);
  const publishAndCache = defineScript(redis, PUBLISH_AND_CACHE);

  return {
    async context({ data }) {
      const [embedding] = await embedder.embed([data.query]);
      const hits = await store.searchCapsules({
        text: data.query,
        embedding: embedding as Float32Array,
        limit: RETRIEVAL_LIMIT,
        filter: { max_trust: data.caller.trust_level },
      });
      const capsules = hits.map((h) => ({
        id: h.capsule.id,
        content: h.capsule.content.slice(0, MAX_CONTENT_CHARS),
        version: h.capsule.version,
        trust_level: h.capsule.trust_level,
        score: h.score,
      }));
      const report = await overlays.runPhase('context', { phase: 'context', request: request(data), capsules: capsules.map((c) => ({ id: c.id, score: c.score })) });
      return {
        capsules,
        profile: { caller_id: data.caller.id, roles: data.caller.roles, trust_level: data.caller.trust_level },
        ...withOverlays(report),
      };
    },

    // Overlay failures here are tolerated: they are reported, and the built-in analysis still counts.
    async analysis({ data }) {
      const analysis = analyzeText(data.query);
      return { ...analysis, ...withOverlays(await overlays.runPhase('analysis', { phase: 'analysis', request: request(data), analysis })) };
    },

    async security({ data }) {
      if (data.caller.trust_level < data.required_trust) {
        throw new SecurityDeniedError(`caller trust ${data.caller.trust_level} is below the required ${data.required_trust}`);
      }
      const rule = screenForInjection(data.query);
      if (rule) throw new SecurityDeniedError(`query matched the ${rule} screen`);
      // A validator that fails, or answers anything but {allowed: true}, denies the request.
      const report = await overlays.runPhase('security', { phase: 'security', request: request(data), required_trust: data.required_trust });
      for (const [name, r] of Object.entries(report ?? {})) {
        if (!r.success) throw new SecurityDeniedError(`security overlay ${name} failed (${r.error?.code}: ${r.error?.message})`);
        const verdict = r.result as { allowed?: unknown; reason?: unknown } | null;
        if (verdict?.allowed !== true) throw new SecurityDeniedError(`security overlay ${name} denied it${typeof verdict?.reason === 'string' ? `: ${verdict.reason}` : ''}`);
      }
      return { allowed: true, checks: ['trust', 'injection-screen', ...Object.keys(report ?? {}).map((n) => `overlay:${n}`)], ...withOverlays(report) };
    },

    async optimization({ job, data }) {
      const values = await job.getChildrenValues();
      const context = childValue<ContextOutput>(values, 'context');
      const security = childValue<SecurityOutput>(values, 'security');
      if (!context || !security) throw new Error(`optimization ran without ${context ? 'security' : 'context'} output`);
      let analysis: AnalysisOutput | AnalysisFallback | undefined = childValue<AnalysisOutput>(values, 'analysis');
      if (!analysis) {
        const failures = await job.getIgnoredChildrenFailures();
        analysis = { fallback: true, error: Object.values(failures)[0] ?? 'analysis produced no output' };
      }
      const complexity = 'fallback' in analysis ? 0.5 : analysis.complexity;
      const parameters = { max_sentences: 2 + Math.round(complexity * 4), max_citations: 3 + Math.round(complexity * 2) };
      const digest = createHash('sha256')
        .update(JSON.stringify([normalizeQuery(data.query), data.caller.trust_level, parameters]))
        .digest('hex');
      const [cacheKey, hit] = (await cacheLookup([keys.knowledgeGeneration], [cachePrefix, digest])) as [string, string | null];
      const cached = hit ? (JSON.parse(hit) as { answer: string; citations: string[] }) : null;
      const { timing: analysisTiming, overlays: analysisOverlays, ...analysisSummary } = 'fallback' in analysis ? { timing: undefined, overlays: undefined, ...analysis } : analysis;
      const own = await overlays.runPhase('optimization', { phase: 'optimization', request: request(data), parameters, cached: cached !== null });
      const overlay_reports: Record<string, unknown> = {};
      if (context.overlays) overlay_reports.context = context.overlays;
      if (analysisOverlays) overlay_reports.analysis = analysisOverlays;
      if (security.overlays) overlay_reports.security = security.overlays;
      if (own) overlay_reports.optimization = own;
      return {
        capsules: context.capsules,
        analysis: analysisSummary,
        timings: { context: context.timing, security: security.timing, ...(analysisTiming ? { analysis: analysisTiming } : {}) },
        parameters,
        overlay_reports,
        cache_key: cacheKey,
        cached,
      };
    },

    async intelligence({ job, data, timing }) {
      const optimization = childValue<OptimizationOutput>(await job.getChildrenValues(), 'optimization');
      if (!optimization) throw new Error('intelligence ran without optimization output');
      const answer = optimization.cached
        ? { text: optimization.cached.answer, citations: optimization.cached.citations, model: 'cache' }
        : await intelligence.answer({ query: data.query, capsules: optimization.capsules, parameters: optimization.parameters });
      const own = await overlays.runPhase('intelligence', { phase: 'intelligence', request: request(data), answer: answer.text, citations: answer.citations });
      const overlayReports = own ? { ...optimization.overlay_reports, intelligence: own } : optimization.overlay_reports;
      const phase_timings: Record<string, PhaseTiming> = { ...optimization.timings, optimization: optimization.timing, intelligence: timing() };
      const record = await store.finishRequest(data.request_id, {
        status: 'completed',
        answer: answer.text,
        citations: answer.citations,
        phase_timings,
        result: {
          cache: optimization.cached ? 'hit' : 'miss',
          model: answer.model,
          analysis: 'fallback' in optimization.analysis ? { fallback: true, error: optimization.analysis.error } : { complexity: optimization.analysis.complexity, keywords: optimization.analysis.keywords },
          ...(Object.keys(overlayReports).length ? { overlays: overlayReports } : {}),
        },
      });
      // Fire-and-forget jobs in one MULTI; the finished event and the cache fill in one script.
      const metrics: MetricsJobData = {
        request_id: data.request_id,
        status: 'completed',
        total_ms: Date.parse(record.finished_at ?? record.updated_at) - Date.parse(record.created_at),
        phase_timings,
      };
      const storage: StorageJobData = { request_id: data.request_id };
      const cacheValue = !optimization.cached && config.cacheTtlSeconds > 0 ? JSON.stringify({ answer: answer.text, citations: answer.citations }) : '';
      const event: RequestEvent = { type: 'request.finished', request_id: data.request_id, status: 'completed' };
      await Promise.all([
        flows.addBulk([
          { name: 'metrics', queueName: QUEUE_OF.metrics, prefix: config.queuePrefix, data: metrics, opts: { ...phaseJobOptions(config, 'metrics'), jobId: phaseJobId(data.request_id, 'metrics') } },
          { name: 'storage', queueName: QUEUE_OF.storage, prefix: config.queuePrefix, data: storage, opts: { ...phaseJobOptions(config, 'storage'), jobId: phaseJobId(data.request_id, 'storage') } },
        ]),
        publishAndCache([keys.events, optimization.cache_key], [JSON.stringify(event), cacheValue, config.cacheTtlSeconds]),
      ]);
      return { answer: answer.text, citations: answer.citations };
    },

    async metrics({ data }) {
      const timings = Object.entries(data.phase_timings);
      await recordMetrics(
        [keys.requestMetrics, ...timings.map(([phase]) => keys.phaseMetrics(phase))],
        [`status:${data.status}`, data.total_ms, ...timings.map(([, t]) => t.duration_ms)],
      );
      return { recorded: timings.length };
    },

    async storage({ data }) {
      const record = await store.getRequest(data.request_id);
      if (!record) throw new Error(`storage: request ${data.request_id} is not in the store`);
      let saved: string | null = null;
      if (record.save_as_capsule && record.answer) {
        const cited = await Promise.all(record.citations.map((id) => store.getCapsule(id)));
        const trust = Math.min(record.caller.trust_level, ...cited.map((c) => c?.trust_level ?? 0));
        const capsule = await capsules.create(record.caller, {
          id: uuidV5(`answer:${record.id}`),
          content: record.answer,
          type: 'insight',
          trust_level: trust,
          metadata: { request_id: record.id, query: record.query, correlation_id: record.correlation_id },
          tags: ['answer'],
          derived_from: record.citations.map((id) => ({ parent_id: id, reason: 'cited', changes: { request_id: record.id } })),
        });
        saved = capsule.id;
        await store.annotateRequest(record.id, { saved_capsule_id: saved });
      }
      const entry = await store.appendAudit({
        actor_id: record.caller.id,
        action: 'request.complete',
        entity_type: 'request',
        entity_id: record.id,
        dedupe_key: `request.complete:${record.id}`,
        details: {
          correlation_id: record.correlation_id,
          citations: [...record.citations],
          answer_sha256: createHash('sha256').update(record.answer ?? '').digest('hex'),
          saved_capsule_id: saved,
        },
      });
      return { audit_seq: entry.seq, saved_capsule_id: saved };
    },
  };
}

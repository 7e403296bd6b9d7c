/**
 * Forge's public surface. Everything not exported here is internal and may change without notice;
 * in particular the phase handlers' wiring (`workers/pipeline-workers`), the SQLite schema and the Redis
 * adapter of the fleet state (its key layout) are intentionally not exported.
 */
export { createForge, type Forge, type ForgeOverlays, type ForgeOverrides } from './app.js';
export { loadConfig, PHASES, type ForgeConfig, type Phase, type PhaseSettings } from './config/index.js';
export * from './errors.js';
export type { AuditEntry, Caller, Capsule, CapsuleFilter, CapsuleType, GraphStore, LineageEntry, RequestRecord, RequestStatus, SearchHit } from './store/graph-store.js';
export { SqliteGraphStore, type SqliteGraphStoreOptions } from './store/sqlite/sqlite-graph-store.js';
export { FsBlobStore, type BlobStore } from './blobs/blob-store.js';
export { HashingEmbedder, type Embedder } from './search/embedder.js';
export { ExtractiveIntelligence, type Intelligence, type Answer, type AnswerInput } from './intelligence/intelligence.js';
export { buildRequestFlow, phaseJobId, QUEUE_OF, DEAD_LETTER_QUEUE, type DeadLetter } from './flows/request-flow.js';
export { createIngressApp, listen, type IngressServices } from './producers/ingress.js';
export { runLoad, type LoadOptions, type LoadSummary } from './producers/load.js';
export { startLocalRedis, type LocalRedis } from './redis/local-redis.js';
export type { PhaseHandlers, PhaseContext } from './workers/phases/index.js';
export { instrumentModule, InvalidModuleError, MemoryLimitError, TableLimitError, type InstrumentOptions } from './overlays/instrument.js';
export { FUEL_GLOBAL, HOST_FUNCTIONS, CAPABILITIES, packPointer, unpackPointer, type InvocationResult, type HostFunction, type Capability } from './overlays/abi.js';
export { parseManifest, OverlayManifest, ManifestError } from './overlays/manifest.js';
export { checkOverlayModule, OverlayModuleError } from './overlays/validate.js';
export { createOverlayRuntime, type OverlayRuntime, type OverlayRuntimeOptions, type HostHandlers } from './overlays/runtime.js';
export { OverlayRegistry, OverlayConfigError, OverlayLimitConflictError } from './overlays/registry.js';
export { OverlayExecutor, type OverlayMetrics, type PhaseOverlayReport } from './overlays/executor.js';
export { OverlayHealth, type HealthReport, type HealthProbe } from './overlays/health.js';
export { OverlayCanaries, type CanaryOptions, type CanaryView } from './overlays/canary.js';
export type { FleetState, FleetEvent } from './fleet/fleet-state.js';

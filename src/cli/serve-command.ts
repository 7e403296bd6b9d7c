import { embeddingModelOf } from '../search/embedder.js';
import path from 'node:path';
import { createForge, type Forge } from '../app.js';
import { PHASES, type ForgeConfig, type Phase } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { CascadeTree } from '../events/cascades.js';
import { createIngressApp, createProbesApp, listen } from '../producers/ingress.js';
import { startLocalRedis, type LocalRedis } from '../redis/local-redis.js';
import { packageRoot } from '../util/package-root.js';
import { redactUrl } from '../util/redact.js';
import { ensureAdminKey, readAdminKey } from './admin-key.js';
import { builtOverlays, installOverlays } from './core-overlays.js';
import { drawCascade } from './event-commands.js';
import { forgeClient, type ForgeClient } from '../client/index.js';
import { dataOf } from './http.js';
import { loadSampleKnowledge, readSampleFile } from './sample.js';

function requireRedisUrl(config: ForgeConfig, command: string): void {
  if (!config.redisUrl) {
    throw new ConfigError([
      { field: 'REDIS_URL', message: `forge ${command} needs a shared Redis; set REDIS_URL or --redis-url (forge start runs everything with a private Redis)` },
    ]);
  }
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits. */
function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n[forge] ${signal}: finishing in-flight jobs and shutting down…`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('[forge] shutdown failed:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

/**
 * The demo: loads the sample knowledge and the core overlays, then works as a user would, over HTTP — the
 * admin's key makes an analyst (contributor, trust 60) with a key of its own, the analyst asks, and its key
 * is revoked at the end.
 */
async function runDemo(forge: Forge, url: string): Promise<void> {
  const sample = readSampleFile(path.join(packageRoot(), 'samples', 'knowledge.json'));
  const loaded = await loadSampleKnowledge(forge, sample);
  console.log(loaded.skipped ? 'Sample knowledge base already loaded.' : `Loaded ${loaded.loaded} sample capsules (with versions, forks and derivations).`);
  const sources = builtOverlays();
  if (sources.length === 0) {
    console.log('No built overlays (run npm run build:overlays to add the core overlays).');
  } else {
    const overlays = await installOverlays(forge, { ...forge.localCaller, trust_level: 100 }, sources);
    console.log(`Overlays: ${overlays.map((o) => `${o.name}@${o.version} (${o.state}, phases ${o.manifest.phases.join('/')})`).join(', ')}`);
  }
  const adminKey = readAdminKey(forge.config.dataDir);
  if (!adminKey) {
    console.log(`No ${path.join(forge.config.dataDir, 'admin.key')}: the demo asks its questions with the admin's key, so it stops here.`);
    return;
  }
  // The demo is a client of the API like any other: the typed client generated from its OpenAPI document.
  const admin = forgeClient(url, adminKey);
  const users = dataOf(await admin.GET('/v2/users')).items;
  const analystId = users.find((u) => u.name === 'analyst')?.id ?? dataOf(await admin.POST('/v2/users', { body: { name: 'analyst', role: 'contributor', trust_level: 60 } })).id;
  const key = dataOf(await admin.POST('/v2/users/{id}/keys', { params: { path: { id: analystId } }, body: { label: 'demo' } }));
  const analyst = forgeClient(url, key.api_key);
  console.log('Asking as user analyst (contributor, trust 60), over HTTP with a key the admin made for it:');
  try {
    for (const q of sample.questions) {
      const posted = dataOf(await analyst.POST('/v2/requests', { body: q }));
      const done = dataOf(await analyst.GET('/v2/requests/{id}', { params: { path: { id: posted.id }, query: { wait: 15_000 } } }));
      console.log(`\nQ: ${q.query}`);
      console.log(`   request ${done.id} → ${done.status}`);
      if (done.answer) console.log(`A: ${done.answer}`);
      for (const [i, id] of done.citations.entries()) {
        const c = (await analyst.GET('/v2/capsules/{id}', { params: { path: { id } } })).data;
        console.log(`   [${i + 1}] capsule ${id} v${c?.version ?? '?'} (trust ${c?.trust_level ?? '?'})`);
      }
      if (done.error) console.log(`   error: ${done.error.message}`);
      const result = done.result as { overlays?: Record<string, Record<string, { success: boolean; result: unknown }>>; saved_capsule_id?: string };
      for (const [phase, byName] of Object.entries(result.overlays ?? {})) {
        for (const [name, r] of Object.entries(byName)) console.log(`   overlay ${name} (${phase}): ${r.success ? JSON.stringify(r.result) : 'failed'}`);
      }
      if (q.save_as_capsule) {
        // The storage job saves the answer shortly after the request ends.
        const deadline = Date.now() + 5000;
        let saved: string | undefined;
        while (!saved && Date.now() < deadline) {
          saved = (dataOf(await analyst.GET('/v2/requests/{id}', { params: { path: { id: done.id } } })).result as { saved_capsule_id?: string }).saved_capsule_id;
          if (!saved) await new Promise((r) => setTimeout(r, 50));
        }
        if (saved) {
          const lineage = dataOf(await analyst.GET('/v2/capsules/{id}/lineage', { params: { path: { id: saved } } }));
          console.log(`   saved as capsule ${saved}; its lineage (isnad):`);
          for (const e of lineage.ancestors) {
            const c = e.capsule;
            console.log(`     ${'  '.repeat(e.depth - 1)}← ${e.edge.reason}: ${c.id} v${c.version} "${c.content.slice(0, 60)}…"`);
          }
          if (lineage.redacted) console.log(`     (${lineage.redacted} more above your trust)`);
        }
      }
    }
    if (sources.length > 0) await demoCascade(analyst);
  } finally {
    await admin.DELETE('/v2/keys/{id}', { params: { path: { id: key.id } } });
  }
  console.log('');
}

/**
 * The cascade of the demo: a query the security validator refuses starts the spec's chain through the core
 * overlays (threat → model update → optimisation → governance action → audit log and lineage tracker),
 * drawn as a tree.
 */
async function demoCascade(analyst: ForgeClient): Promise<void> {
  const query = 'Please charge card 4111 1111 1111 1111 for the quarterly licence';
  console.log(`\nQ: ${query}`);
  const posted = dataOf(await analyst.POST('/v2/requests', { body: { query } }));
  const done = dataOf(await analyst.GET('/v2/requests/{id}', { params: { path: { id: posted.id }, query: { wait: 15_000 } } }));
  console.log(`   request ${done.id} → ${done.status}: ${done.error?.message ?? ''}`);
  console.log('   …and the refusal cascades through the overlays:');
  const deadline = Date.now() + 15_000;
  let tree: CascadeTree | undefined;
  while (Date.now() < deadline) {
    const threats = dataOf(await analyst.GET('/v2/events', { params: { query: { kind: 'security_threat', limit: 500 } } })).items;
    const start = threats.find((e) => e.correlation_id === done.id);
    if (start) {
      const found = await analyst.GET('/v2/cascades/{id}', { params: { path: { id: start.id } } });
      if (found.data) tree = found.data as unknown as CascadeTree;
      if (tree && tree.delivered >= 5) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!tree) {
    console.log('   (no cascade recorded: are the core overlays active?)');
    return;
  }
  for (const line of drawCascade(tree)) console.log(`   ${line}`);
  console.log(`   (forge cascade ${tree.cascade_id} draws it again; GET /v2/cascades/${tree.cascade_id} gives it as JSON)`);
}

/**
 * `forge start | ingress | worker`: runs the system (all of it, the HTTP side, or workers) until a signal
 * ends it. Loaded only for these commands, so the client commands start quickly.
 */
export async function serveCommand(
  configured: ForgeConfig,
  role: 'start' | 'ingress' | 'worker',
  options: { demo?: boolean | undefined; queues?: string | undefined },
): Promise<void> {
  let config = configured;
  let localRedis: LocalRedis | undefined;
  if (role !== 'start') requireRedisUrl(config, role);
  if (!config.redisUrl) {
    localRedis = await startLocalRedis({ dir: path.join(config.dataDir, 'redis'), binary: config.redisServerBinary });
    config = { ...config, redisUrl: localRedis.url };
  }
  const forge = await createForge(config);
  // An empty data dir gets its first user, an admin, whose key only the operator can read.
  if (role !== 'worker') {
    const created = await ensureAdminKey(forge.users, config.dataDir);
    if (created) console.log(`Created user admin (role admin, trust 100); its API key is in ${created} (readable by you only).`);
  }
  let phases: Phase[] | undefined;
  if (options.queues) {
    phases = options.queues.split(',').map((q) => q.trim()) as Phase[];
    const unknown = phases.filter((p) => !PHASES.includes(p));
    if (unknown.length) throw new ConfigError([{ field: '--queues', message: `unknown queue ${unknown.join(', ')}; choose from ${PHASES.join(', ')}` }]);
  }
  const workers = role === 'ingress' ? undefined : forge.startWorkers(phases);
  const http =
    role === 'worker'
      ? undefined
      : await listen(createIngressApp(forge), config.http.host, config.http.port).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err;
          throw new ConfigError([
            { field: '--port (PORT)', message: `cannot listen on ${config.http.host}:${config.http.port} (${err.code}); choose another port, or 0 for any free one` },
          ]);
        });

  const probes = role === 'worker' && config.http.probePort !== undefined ? await listen(createProbesApp(forge), config.http.host, config.http.probePort) : undefined;

  onShutdown(async () => {
    await new Promise<void>((resolve) => (http ? http.server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (probes ? probes.server.close(() => resolve()) : resolve()));
    await workers?.close();
    await forge.close();
    await localRedis?.stop();
  });

  if (options.demo && role === 'start' && http) await runDemo(forge, http.url);
  const where = [
    http ? `API ${http.url}/v2` : null,
    http ? `Bull Board ${http.url}/admin/queues` : null,
    probes ? `probes ${probes.url}/healthz` : null,
    workers ? `workers: ${(phases ?? PHASES).join(',')}` : null,
    `Redis ${localRedis ? `${config.redisUrl} (private, data in ${path.join(config.dataDir, 'redis')})` : redactUrl(config.redisUrl ?? '')}`,
    `embeddings ${embeddingModelOf(forge.embedder)}`,
  ].filter(Boolean);
  console.log(`Forge ready · ${where.join(' · ')} · Ctrl-C to stop`);
  const keyFile = path.join(config.dataDir, 'admin.key');
  if (http && readAdminKey(config.dataDir)) {
    console.log(`Call the API as admin: curl -H "Authorization: Bearer $(cat ${keyFile})" ${http.url}/v2/auth/me`);
    console.log(`Dashboard: ${http.url}/ (sign in with the key in ${keyFile}; the same sign-in opens Bull Board)`);
    console.log(`API reference: ${http.url}/docs · OpenAPI document: ${http.url}/v2/openapi.json`);
    console.log(
      `Connect an MCP client: ${http.url}/mcp with header "Authorization: Bearer <key>", or over stdio: FORGE_API_KEY=<key> npx forge mcp --target ${http.url} (docs/mcp.md) · live events: ${http.url.replace(/^http/, 'ws')}/ws/events`,
    );
  }
}

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
import { callApi, type ApiTarget } from './http.js';
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
  const admin: ApiTarget = { base: url, apiKey: adminKey };
  const json = async (res: Response) => (await res.json()) as Record<string, unknown>;
  const users = (await json(await callApi(admin, '/v2/users'))).items as Array<{ id: string; name: string }>;
  const analystId =
    users.find((u) => u.name === 'analyst')?.id ??
    ((await json(await callApi(admin, '/v2/users', { json: { name: 'analyst', role: 'contributor', trust_level: 60 } }))).id as string);
  const key = await json(await callApi(admin, `/v2/users/${analystId}/keys`, { json: { label: 'demo' } }));
  const analyst: ApiTarget = { base: url, apiKey: key.api_key as string };
  console.log('Asking as user analyst (contributor, trust 60), over HTTP with a key the admin made for it:');
  try {
    for (const q of sample.questions) {
      const posted = await json(await callApi(analyst, '/v2/requests', { json: q }));
      const done = await json(await callApi(analyst, `/v2/requests/${posted.id as string}?wait=15000`));
      console.log(`\nQ: ${q.query}`);
      console.log(`   request ${done.id as string} → ${done.status as string}`);
      if (done.answer) console.log(`A: ${done.answer as string}`);
      for (const [i, id] of (done.citations as string[]).entries()) {
        const c = await json(await callApi(analyst, `/v2/capsules/${id}`));
        console.log(`   [${i + 1}] capsule ${id} v${String(c.version ?? '?')} (trust ${String(c.trust_level ?? '?')})`);
      }
      const error = done.error as { message: string } | null;
      if (error) console.log(`   error: ${error.message}`);
      const result = (done.result ?? {}) as { overlays?: Record<string, Record<string, { success: boolean; result: unknown }>>; saved_capsule_id?: string };
      for (const [phase, byName] of Object.entries(result.overlays ?? {})) {
        for (const [name, r] of Object.entries(byName)) console.log(`   overlay ${name} (${phase}): ${r.success ? JSON.stringify(r.result) : 'failed'}`);
      }
      if (q.save_as_capsule) {
        // The storage job saves the answer shortly after the request ends.
        const deadline = Date.now() + 5000;
        let saved: string | undefined;
        while (!saved && Date.now() < deadline) {
          saved = ((await json(await callApi(analyst, `/v2/requests/${done.id as string}`))).result as { saved_capsule_id?: string }).saved_capsule_id;
          if (!saved) await new Promise((r) => setTimeout(r, 50));
        }
        if (saved) {
          const lineage = (await json(await callApi(analyst, `/v2/capsules/${saved}/lineage`))).ancestors as Array<{
            depth: number;
            edge: { reason: string };
            capsule: { id: string; version?: string; content?: string; redacted?: true };
          }>;
          console.log(`   saved as capsule ${saved}; its lineage (isnad):`);
          for (const e of lineage) {
            const c = e.capsule;
            console.log(
              `     ${'  '.repeat(e.depth - 1)}← ${e.edge.reason}: ${c.id} ${c.redacted ? '(above your trust)' : `v${c.version ?? '?'} "${(c.content ?? '').slice(0, 60)}…"`}`,
            );
          }
        }
      }
    }
    if (sources.length > 0) await demoCascade(analyst, json);
  } finally {
    await callApi(admin, `/v2/keys/${key.id as string}`, { method: 'DELETE' });
  }
  console.log('');
}

/**
 * The cascade of the demo: a query the security validator refuses starts the spec's chain through the core
 * overlays (threat → model update → optimisation → governance action → audit log and lineage tracker),
 * drawn as a tree.
 */
async function demoCascade(analyst: ApiTarget, json: (res: Response) => Promise<Record<string, unknown>>): Promise<void> {
  const query = 'Please charge card 4111 1111 1111 1111 for the quarterly licence';
  console.log(`\nQ: ${query}`);
  const posted = await json(await callApi(analyst, '/v2/requests', { json: { query } }));
  const done = await json(await callApi(analyst, `/v2/requests/${posted.id as string}?wait=15000`));
  console.log(`   request ${done.id as string} → ${done.status as string}: ${(done.error as { message?: string } | null)?.message ?? ''}`);
  console.log('   …and the refusal cascades through the overlays:');
  const deadline = Date.now() + 15_000;
  let tree: CascadeTree | undefined;
  while (Date.now() < deadline) {
    const threats = (await json(await callApi(analyst, '/v2/events?kind=security_threat&limit=500'))).items as Array<{ id: string; correlation_id: string | null }>;
    const start = threats.find((e) => e.correlation_id === done.id);
    if (start) {
      const res = await callApi(analyst, `/v2/cascades/${start.id}`);
      if (res.ok) tree = (await res.json()) as CascadeTree;
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
  ].filter(Boolean);
  console.log(`Forge ready · ${where.join(' · ')} · Ctrl-C to stop`);
  const keyFile = path.join(config.dataDir, 'admin.key');
  if (http && readAdminKey(config.dataDir)) {
    console.log(`Call the API as admin: curl -H "Authorization: Bearer $(cat ${keyFile})" ${http.url}/v2/auth/me · Bull Board sign-in: ${http.url}/admin/login`);
    console.log(
      `Connect an MCP client: ${http.url}/mcp with header "Authorization: Bearer <key>", or over stdio: FORGE_API_KEY=<key> forge mcp --target ${http.url} (docs/mcp.md) · live events: ${http.url.replace(/^http/, 'ws')}/ws/events`,
    );
  }
}

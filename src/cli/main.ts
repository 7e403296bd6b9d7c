#!/usr/bin/env node
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createForge, type Forge } from '../app.js';
import { configKeys, loadConfig, PHASES, type ForgeConfig, type Phase } from '../config/index.js';
import { ConfigError, ForgeError } from '../errors.js';
import { createIngressApp, createProbesApp, listen } from '../producers/ingress.js';
import { runLoad, type LoadProgress } from '../producers/load.js';
import { startLocalRedis, type LocalRedis } from '../redis/local-redis.js';
import { packageRoot } from '../util/package-root.js';
import { redactUrl } from '../util/redact.js';
import { builtOverlays, installOverlays } from './core-overlays.js';
import { dlqCommand } from './dlq-commands.js';
import { keyCommand, userCommand } from './user-commands.js';
import { callApi, type ApiTarget } from './http.js';
import { ensureAdminKey, readAdminKey } from './admin-key.js';
import { overlayCommand } from './overlay-commands.js';
import { loadSampleKnowledge, readSampleFile } from './sample.js';
import { auditCommand } from './audit-command.js';
import { cascadeCommand, drawCascade, eventsCommand } from './event-commands.js';
import type { CascadeTree } from '../events/cascades.js';
import { governanceCommand } from './governance-commands.js';
import { mcpCommand } from './mcp-command.js';

const HELP = `forge — institutional memory engine

usage:
  forge start   [--port N] [--host H] [--data-dir DIR] [--redis-url URL] [--demo]
                all-in-one: ingress + every worker; starts a private redis-server when REDIS_URL is unset.
                --demo loads the sample knowledge base and answers a few questions.
  forge ingress [--port N] [--host H] [--data-dir DIR] [--redis-url URL]
                the HTTP API and Bull Board only (needs REDIS_URL)
  forge worker  [--queues context,analysis,...] [--data-dir DIR] [--redis-url URL]
                pipeline workers only (needs REDIS_URL)
  forge load    --rate R --duration S [--concurrency C] [--target URL] [--json]
                submits R requests/s for S seconds and reports throughput and latency percentiles
  forge overlay build [DIR ...]          compile overlays/<DIR> (AssemblyScript) to overlays/<DIR>/build/<DIR>.wasm
  forge overlay register --manifest FILE --wasm FILE [--target URL]
  forge overlay list | activate ID [--config JSON] [--ttl S] | suspend ID [REASON]
  forge overlay invoke ID --function NAME [--args JSON] [--timeout-ms N] [--target URL]
  forge dlq list [--queue Q] [--error TEXT] [--since ISO] [--until ISO] [--request ID] [--target URL]
  forge dlq show ID | retry ID | retry --all [filters] | purge ID | purge --all [filters]
  forge user create NAME --role R --trust T [--label L]   a user and its API key (printed once, as JSON)
  forge user list | key create USER-ID [--label L] | key revoke KEY-ID
  forge overlay affected ID [--hops N]   which subscribers this overlay's events reached (TRIGGERED links)
  forge events [--kind K] [--cascade ID] | events publish KIND ['{json payload}']
  forge events replay SUBSCRIBER AFTER-SEQ [--kind K]   re-deliver recorded events (what it handled is skipped)
  forge cascade ID [--json]              a cascade (from any of its events) drawn as a tree
  forge governance list [--status S] | show ID | tally ID | analysis ID [--refresh] | settings
  forge governance propose --title T --description D --kind K --action JSON [--open] [--closes-at ISO]
  forge governance open ID [--closes-at ISO] | vote ID for|against|abstain
  forge governance delegate USER-ID | undelegate | delegation
  forge mcp [--target URL] [--api-key K]  the MCP server over stdio (tools run on the ingress, as the key's user)
  forge audit verify [--target URL]      recompute the audit chain and check it against its signed checkpoint
                                         (exit 1 when it was edited, rewritten or truncated)
                client commands send --api-key, FORGE_API_KEY, or for the local ingress <data-dir>/admin.key
  forge help

environment (flags win): ${configKeys().join(', ')}
`;

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'redis-url': { type: 'string' },
  demo: { type: 'boolean' },
  queues: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  concurrency: { type: 'string' },
  target: { type: 'string' },
  json: { type: 'boolean' },
  manifest: { type: 'string' },
  wasm: { type: 'string' },
  config: { type: 'string' },
  ttl: { type: 'string' },
  function: { type: 'string' },
  args: { type: 'string' },
  'timeout-ms': { type: 'string' },
  queue: { type: 'string' },
  error: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  request: { type: 'string' },
  all: { type: 'boolean' },
  'api-key': { type: 'string' },
  role: { type: 'string' },
  trust: { type: 'string' },
  label: { type: 'string' },
  hops: { type: 'string' },
  kind: { type: 'string' },
  cascade: { type: 'string' },
  status: { type: 'string' },
  title: { type: 'string' },
  description: { type: 'string' },
  action: { type: 'string' },
  open: { type: 'boolean' },
  'closes-at': { type: 'string' },
  refresh: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true }>>['values'];

function configFrom(flags: Flags): ForgeConfig {
  return loadConfig(process.env, { port: flags.port, host: flags.host, 'data-dir': flags['data-dir'], 'redis-url': flags['redis-url'] });
}

/**
 * The ingress the client commands talk to (--target, or the local one on the configured port) and the API
 * key they send: --api-key, FORGE_API_KEY, or — for the local ingress only — the data dir's admin.key.
 */
function targetOf(flags: Flags): ApiTarget {
  const config = configFrom(flags);
  const local = `http://127.0.0.1:${config.http.port}`;
  const base = flags.target ?? local;
  let apiKey = flags['api-key'] ?? process.env.FORGE_API_KEY;
  if (!apiKey && base === local) apiKey = readAdminKey(config.dataDir) ?? undefined;
  return { base, apiKey };
}

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
 * overlays (threat → model update → optimisation → governance action → audit log), drawn as a tree.
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
      if (tree && tree.delivered >= 4) break;
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

async function start(flags: Flags, role: 'start' | 'ingress' | 'worker'): Promise<void> {
  let config = configFrom(flags);
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
  if (flags.queues) {
    phases = flags.queues.split(',').map((q) => q.trim()) as Phase[];
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

  if (flags.demo && role === 'start' && http) await runDemo(forge, http.url);
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

function positiveNumber(value: string | undefined, flag: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError([{ field: `--${flag}`, message: 'is required' }]);
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError([{ field: `--${flag}`, message: `must be a positive number, got "${value}"` }]);
  return n;
}

async function load(flags: Flags): Promise<void> {
  const rate = positiveNumber(flags.rate, 'rate');
  const duration = positiveNumber(flags.duration, 'duration');
  const concurrency = Math.floor(positiveNumber(flags.concurrency, 'concurrency', 50));
  const { base: target, apiKey } = targetOf(flags);
  const sample = readSampleFile(path.join(packageRoot(), 'samples', 'knowledge.json'));
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const show = (p: LoadProgress) => {
    const line = `sent ${p.sent}/${p.planned} · finished ${p.finished} · in flight ${p.in_flight} · ${p.throughput_rps} req/s · p95 ${p.p95_ms ?? '-'} ms · errors ${p.errors} · ${p.elapsed_s}s`;
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (Date.now() - lastLine > 2000 || p.finished === p.planned) {
      lastLine = Date.now();
      process.stderr.write(`${line}\n`);
    }
  };
  const summary = await runLoad({
    target,
    ...(apiKey ? { apiKey } : {}),
    rate,
    durationSeconds: duration,
    concurrency,
    queries: sample.questions.map((q) => q.query),
    onProgress: show,
  });
  if (tty) process.stderr.write('\n');
  if (flags.json) {
    console.log(JSON.stringify(summary));
  } else {
    const l = summary.latency_ms;
    console.log(
      `\n${summary.sent} sent to ${summary.target} in ${summary.duration_s}s\n` +
        `  completed ${summary.completed} · rejected ${summary.rejected} · failed ${summary.failed} · errors ${summary.errors}\n` +
        `  throughput ${summary.throughput_rps} req/s\n` +
        `  latency p50 ${l.p50} ms · p95 ${l.p95} ms · p99 ${l.p99} ms · max ${l.max} ms`,
    );
    for (const e of summary.error_samples) console.log(`  error: ${e}`);
  }
  if (summary.errors > 0 || summary.failed > 0) process.exitCode = 1;
}

async function main(argv: string[]): Promise<void> {
  const { values: flags, positionals } = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  const command = positionals[0] ?? 'help';
  if (flags.help || command === 'help') {
    console.log(HELP);
    return;
  }
  switch (command) {
    case 'start':
    case 'ingress':
    case 'worker':
      return start(flags, command);
    case 'load':
      return load(flags);
    case 'dlq':
      return dlqCommand(positionals[1], positionals.slice(2), {
        target: targetOf(flags),
        queue: flags.queue,
        error: flags.error,
        since: flags.since,
        until: flags.until,
        request: flags.request,
        all: flags.all,
      });
    case 'user':
      return userCommand(positionals[1], positionals.slice(2), { target: targetOf(flags), role: flags.role, trust: flags.trust, label: flags.label });
    case 'key':
      return keyCommand(positionals[1], positionals.slice(2), { target: targetOf(flags), label: flags.label });
    case 'audit':
      return auditCommand(positionals[1], targetOf(flags));
    case 'overlay':
      return overlayCommand(positionals[1], positionals.slice(2), {
        target: targetOf(flags),
        manifest: flags.manifest,
        wasm: flags.wasm,
        config: flags.config,
        ttl: flags.ttl,
        function: flags.function,
        args: flags.args,
        timeoutMs: flags['timeout-ms'],
        hops: flags.hops,
      });
    case 'events':
      return eventsCommand(positionals[1], positionals.slice(2), { target: targetOf(flags), kind: flags.kind, cascade: flags.cascade });
    case 'mcp':
      return mcpCommand(targetOf(flags));
    case 'cascade':
      return cascadeCommand(positionals[1], { target: targetOf(flags), json: flags.json });
    case 'governance':
      return governanceCommand(positionals[1], positionals.slice(2), {
        target: targetOf(flags),
        status: flags.status,
        title: flags.title,
        description: flags.description,
        kind: flags.kind,
        action: flags.action,
        open: flags.open,
        closesAt: flags['closes-at'],
        refresh: flags.refresh,
      });
    default:
      throw new ConfigError([{ field: 'command', message: `unknown command "${command}"; run forge help` }]);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ForgeError) console.error(`forge: ${err.message}`);
  else if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) console.error(`forge: ${err.message}\n\n${HELP}`);
  else console.error('forge:', err);
  process.exit(2);
});

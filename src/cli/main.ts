#!/usr/bin/env node
import path from 'node:path';
import { parseArgs } from 'node:util';
import { configKeys, loadConfig, type ForgeConfig } from '../config/index.js';
import { ConfigError, ForgeError } from '../errors.js';
import { runLoad, type LoadProgress } from '../producers/load.js';
import { packageRoot } from '../util/package-root.js';
import { dlqCommand } from './dlq-commands.js';
import { keyCommand, userCommand } from './user-commands.js';
import { lastTarget, printJson, type ApiTarget } from './http.js';
import { readAdminKey } from './admin-key.js';
import { overlayCommand } from './overlay-commands.js';
import { readSampleFile } from './sample.js';
import { auditCommand } from './audit-command.js';
import { cascadeCommand, eventsCommand } from './event-commands.js';
import { governanceCommand } from './governance-commands.js';

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
  forge user create NAME --role R --trust T [--label L]   a user and its API key (printed once)
  forge user list | key create USER-ID [--label L] | key revoke KEY-ID
  forge overlay affected ID [--hops N]   which subscribers this overlay's events reached (TRIGGERED links)
  forge events [--kind K] [--cascade ID] | events publish KIND ['{json payload}']
  forge events replay SUBSCRIBER AFTER-SEQ [--kind K]   re-deliver recorded events (what it handled is skipped)
  forge cascade ID [--json]              a cascade (from any of its events) drawn as a tree
  forge governance list [--status S] | show ID | tally ID | analysis ID [--refresh] | settings
  forge governance propose --title T --description D --kind K --action JSON [--open] [--closes-at ISO]
  forge governance open ID [--closes-at ISO] | vote ID for|against|abstain
  forge governance delegate USER (a name or an id) | undelegate | delegation
  forge mcp [--target URL] [--api-key K]  the MCP server over stdio (tools run on the ingress, as the key's user)
  forge audit verify [--target URL]      recompute the audit chain and check it against its signed checkpoint
                                         (exit 1 when it was edited, rewritten or truncated)
  forge migrate --to neo4j [--data-dir DIR] [--replace] [--batch N] [--json]
                copy the data dir's embedded store into the Neo4j NEO4J_URI names (stop Forge first);
                run again to resume after a failure; a target holding other data is refused unless --replace
                client commands send --api-key, FORGE_API_KEY, or for the local ingress <data-dir>/admin.key;
                they print tables and fields, or with --json the API's JSON
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
  to: { type: 'string' },
  replace: { type: 'boolean' },
  batch: { type: 'string' },
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
  printJson(flags.json ?? false);
  const command = positionals[0] ?? 'help';
  if (flags.help || command === 'help') {
    console.log(HELP);
    return;
  }
  switch (command) {
    case 'start':
    case 'ingress':
    case 'worker':
      // The server side (and everything it loads) only for the commands that run it.
      return (await import('./serve-command.js')).serveCommand(configFrom(flags), command, { demo: flags.demo, queues: flags.queues });
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
    case 'migrate':
      return (await import('./migrate-command.js')).migrateCommand(configFrom(flags), {
        to: flags.to,
        replace: flags.replace ?? false,
        batch: Math.floor(positiveNumber(flags.batch, 'batch', 500)),
        json: flags.json ?? false,
      });
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
      return (await import('./mcp-command.js')).mcpCommand(targetOf(flags));
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
  const unreachable = unreachableOf(err);
  if (unreachable) console.error(`forge: ${unreachable}`);
  else if (err instanceof ForgeError) console.error(`forge: ${err.message}`);
  else if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) console.error(`forge: ${err.message}\n\n${HELP}`);
  else console.error('forge:', err);
  process.exit(2);
});

/** A call that never reached Forge, said in one line: what failed, where, what to do. */
function unreachableOf(err: unknown): string | null {
  if (!(err instanceof TypeError) || err.message !== 'fetch failed') return null;
  const cause = err.cause as (NodeJS.ErrnoException & { address?: string; port?: number }) | undefined;
  const where = lastTarget() ?? (cause?.address ? `${cause.address}${cause.port ? `:${cause.port}` : ''}` : 'the target');
  const why = cause?.code === 'ECONNREFUSED' ? 'nothing is listening there' : (cause?.code ?? cause?.message ?? 'the connection failed');
  return `could not reach Forge at ${where} (${why}): start it (npm start, or npm run quickstart), or point --target at a running one`;
}

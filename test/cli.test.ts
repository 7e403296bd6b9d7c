import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { builtOverlays } from '../src/cli/core-overlays.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');

beforeAll(() => {
  // scripts/test.sh builds first; build here too when a test is run on its own.
  if (!existsSync(cli)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  // The demo installs every core overlay (its cascade runs through four of them).
  if (builtOverlays().length < 6) execFileSync(process.execPath, ['scripts/build-overlays.mjs'], { cwd: root, stdio: 'inherit' });
}, 120_000);

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

it('stops with a message naming the bad setting', async () => {
  const result = await run(['start'], { PORT: 'eighty', FORGE_QUEUE_PREFIX: 'nohashtag' });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('PORT:');
  expect(result.stderr).toContain('FORGE_QUEUE_PREFIX: must be a Redis Cluster hash tag');
});

it('rejects unknown flags and commands with the usage', async () => {
  const flag = await run(['start', '--prot', '1']);
  expect(flag.code).toBe(2);
  expect(flag.stderr).toMatch(/Unknown option '--prot'/);
  const command = await run(['launch']);
  expect(command.code).toBe(2);
  expect(command.stderr).toContain('unknown command "launch"');
});

it('forge start runs everything with a private Redis, prints its URLs, and shuts down on SIGTERM', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-cli-'));
  const child = spawn(process.execPath, [cli, 'start', '--port', '0', '--data-dir', dataDir], { env: { PATH: process.env.PATH ?? '' } });
  let out = '';
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('Forge ready'));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  });
  const api = /API (http:\/\/[^ ]+)\/v2/.exec(ready)?.[1] as string;
  expect(ready).toContain(`Bull Board ${api}/admin/queues`);
  expect(ready).toMatch(/Redis redis:\/\/127\.0\.0\.1:\d+ \(private/);
  // An empty data dir got an admin whose key is in admin.key, readable by the owner only, never printed.
  const keyFile = path.join(dataDir, 'admin.key');
  expect(out).toContain(`its API key is in ${keyFile}`);
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  const apiKey = readFileSync(keyFile, 'utf8').trim();
  expect(apiKey).toMatch(/^forge_/);
  expect(out).not.toContain(apiKey);
  const auth = { authorization: `Bearer ${apiKey}` };
  expect((await fetch(`${api}/v2/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'hello' }) })).status).toBe(401);
  const posted = await fetch(`${api}/v2/requests`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query: 'hello' }) });
  const { id } = (await posted.json()) as { id: string };
  const done = (await (await fetch(`${api}/v2/requests/${id}?wait=10000`, { headers: auth })).json()) as { status: string };
  expect(done.status).toBe('completed');
  // Nothing listening: one line saying where it tried and what to do, no stack.
  const nowhere = await run(['dlq', 'list', '--target', 'http://127.0.0.1:1']);
  expect(nowhere.code).toBe(2);
  expect(nowhere.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^forge: could not reach Forge at http:\/\/127\.0\.0\.1:1 \(.+\): start it/)]);
  const anonymous = await run(['dlq', 'list', '--target', api]);
  expect(anonymous.code).toBe(1);
  expect(anonymous.stderr).toContain('--api-key or FORGE_API_KEY');

  // The overlay commands drive the same API.
  const overlayDir = path.join(root, 'overlays', 'ml_intelligence');
  const registered = await run(
    ['overlay', 'register', '--manifest', path.join(overlayDir, 'manifest.yaml'), '--wasm', path.join(overlayDir, 'build', 'ml_intelligence.wasm'), '--target', api, '--json'],
    { FORGE_API_KEY: apiKey },
  );
  expect(registered.code).toBe(0);
  const overlay = JSON.parse(registered.stdout) as { id: string; state: string; name: string };
  expect(overlay).toMatchObject({ name: 'ml-intelligence', state: 'pending' });
  // For people by default: fields and tables; --json for machines.
  expect((await run(['overlay', 'activate', overlay.id, '--target', api], { FORGE_API_KEY: apiKey })).stdout).toMatch(/^state\s+active$/m);
  const table = (await run(['overlay', 'list', '--target', api], { FORGE_API_KEY: apiKey })).stdout.split('\n');
  expect(table[0]).toMatch(/^id\s+name\s+version\s+/);
  expect(table.some((l) => l.startsWith(overlay.id) && /\bml-intelligence\b.*\bactive\b/.test(l))).toBe(true);
  expect(table.at(-2)).toMatch(/^\(1 row/);
  const invoked = await run(['overlay', 'invoke', overlay.id, '--function', 'process', '--args', '{"request":{"query":"Why?"}}', '--target', api, '--json'], {
    FORGE_API_KEY: apiKey,
  });
  expect(JSON.parse(invoked.stdout)).toMatchObject({ success: true, result: { patterns: ['question'] } });
  const wrong = await run(['overlay', 'invoke', overlay.id, '--function', 'nope', '--target', api], { FORGE_API_KEY: apiKey });
  expect(wrong.code).toBe(1);
  expect(wrong.stdout).toContain('has no entry point');

  // And so do the dead-letter commands.
  const dlq = await run(['dlq', 'list', '--queue', 'context', '--target', api], { FORGE_API_KEY: apiKey });
  expect(dlq.code).toBe(0);
  expect(dlq.stdout.trim()).toBe('(none)\n(0 rows; total 0)');
  expect(JSON.parse((await run(['dlq', 'list', '--queue', 'context', '--target', api, '--json'], { FORGE_API_KEY: apiKey })).stdout)).toEqual({ items: [], total: 0 });
  const refusedPurge = await run(['dlq', 'purge', '--target', api], { FORGE_API_KEY: apiKey });
  expect(refusedPurge.code).toBe(2);
  expect(refusedPurge.stderr).toContain('needs --all');

  // Users and keys from the CLI: the new user's key is printed once and works; revoked, it stops.
  const made = await run(['user', 'create', 'cli-reader', '--role', 'reader', '--trust', '40', '--target', api, '--json'], { FORGE_API_KEY: apiKey });
  expect(made.code).toBe(0);
  const reader = JSON.parse(made.stdout) as { id: string; name: string; role: string; trust_level: number; api_key: string };
  expect(reader).toMatchObject({ name: 'cli-reader', role: 'reader', trust_level: 40, api_key: expect.stringMatching(/^forge_/) });
  const asReader = { authorization: `Bearer ${reader.api_key}` };
  expect((await fetch(`${api}/v2/capsules`, { headers: asReader })).status).toBe(200);
  expect((await fetch(`${api}/v2/dead-letters`, { headers: asReader })).status).toBe(403);
  const listed = JSON.parse((await run(['user', 'list', '--target', api, '--json'], { FORGE_API_KEY: apiKey })).stdout) as { items: Array<{ name: string }> };
  expect(listed.items.map((u) => u.name)).toEqual(['admin', 'cli-reader']);
  const second = JSON.parse((await run(['key', 'create', reader.id, '--label', 'laptop', '--target', api, '--json'], { FORGE_API_KEY: apiKey })).stdout) as {
    id: string;
    api_key: string;
  };
  expect((await run(['key', 'revoke', second.id, '--target', api], { FORGE_API_KEY: apiKey })).code).toBe(0);
  expect((await fetch(`${api}/v2/capsules`, { headers: { authorization: `Bearer ${second.api_key}` } })).status).toBe(401);
  expect((await run(['user', 'create', 'nobody', '--target', api], { FORGE_API_KEY: apiKey })).code).toBe(2); // --role and --trust are required

  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(existsSync(path.join(dataDir, 'redis'))).toBe(true);
  expect(existsSync(path.join(dataDir, 'forge.db'))).toBe(true);
  rmSync(dataDir, { recursive: true, force: true });
});

it('forge start --demo answers the sample questions over HTTP as an analyst the admin makes, and revokes its key after', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-demo-'));
  const child = spawn(process.execPath, [cli, 'start', '--demo', '--port', '0', '--data-dir', dataDir], { env: { PATH: process.env.PATH ?? '' } });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not finish: ${out}`)), 60_000);
      const read = (d: Buffer) => {
        out += d.toString();
        if (out.includes('Connect an MCP client')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
    });
    expect(out).toContain('Asking as user analyst (contributor, trust 60)');
    // Its last lines say where the dashboard, the API reference and the MCP endpoint are; each answers.
    const dashboard = /Dashboard: (http:\/\/[^ ]+\/) /.exec(out)?.[1];
    const reference = /API reference: (http:\/\/[^ ]+\/docs) /.exec(out)?.[1];
    expect(dashboard, out).toBeDefined();
    expect((await fetch(dashboard as string)).headers.get('content-type')).toMatch(/^text\/html/);
    expect((await fetch(reference as string)).status).toBe(200);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^Connect an MCP client: http:\/\/[^ ]+\/mcp/);
    expect(out.match(/→ completed/g)).toHaveLength(3);
    expect(out).toMatch(/saved as capsule [0-9a-f-]{36}; its lineage/);
    const api = /API (http:\/\/[^ ]+)\/v2/.exec(out)?.[1] as string;
    const admin = { authorization: `Bearer ${readFileSync(path.join(dataDir, 'admin.key'), 'utf8').trim()}` };
    const users = (await (await fetch(`${api}/v2/users`, { headers: admin })).json()) as { items: Array<{ id: string; name: string }> };
    const analyst = users.items.find((u) => u.name === 'analyst');
    expect(analyst).toBeDefined();
    const keys = (await (await fetch(`${api}/v2/users/${analyst?.id}/keys`, { headers: admin })).json()) as { items: Array<{ revoked_at: string | null }> };
    expect(keys.items.map((k) => k.revoked_at !== null)).toEqual([true]);

    // The demo's cascade: a refused query through four core overlays into the audit log, drawn as a tree.
    expect(out).toMatch(/→ rejected: request denied: security overlay security-validator denied it/);
    const cascade = /cascade ([0-9a-f-]{36}): 4 events, 5 delivered, 0 stopped, depth 3/.exec(out)?.[1];
    expect(cascade, out).toBeDefined();
    expect(out).toContain('→ audit-log delivered');
    // The CLI's client commands read it back.
    const key = readFileSync(path.join(dataDir, 'admin.key'), 'utf8').trim();
    const drawn = await run(['cascade', cascade as string, '--target', api, '--api-key', key]);
    expect(drawn.code).toBe(0);
    expect(drawn.stdout.split('\n').filter((l) => l.includes('→') && l.endsWith(' delivered'))).toHaveLength(5);
    const listed = await run(['events', '--kind', 'governance_action', '--target', api, '--api-key', key, '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject({ items: [{ kind: 'governance_action', cascade_id: cascade, hop: 3 }] });
    const proposals = await run(['governance', 'list', '--target', api, '--api-key', key, '--json']);
    expect(JSON.parse(proposals.stdout)).toEqual({ items: [] });
    const unknown = await run(['governance', 'frobnicate', '--target', api, '--api-key', key]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown subcommand "frobnicate"');
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 90_000);

/**
 * The README's and docs' shell examples, run as written against a started Forge (`forge start --demo`, a
 * private data dir, a free port): each file's runnable blocks in order in one bash session, so later
 * blocks use what earlier ones set (`$key`, `$capsule`). Only the address and the data dir are the test's
 * (`localhost:8080` → its port, `forge-data/` → its data dir, and PORT / FORGE_DATA_DIR for the CLI's
 * defaults). `curl` fails on an HTTP error, so an example that gets one fails the test. A block that cannot
 * run here says why in a comment just above it, and that comment is checked to exist.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtOverlays } from '../src/cli/core-overlays.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
const FILES = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const NOT_RUN = /^<!-- example not run by test\/docs-examples\.test\.ts: (.+) -->$/;

interface Block {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly notRun: string | null;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i] as string)) continue;
    const end = lines.indexOf('```', i + 1);
    blocks.push({ file, line: i + 1, text: lines.slice(i + 1, end).join('\n'), notRun: NOT_RUN.exec(lines[i - 1] ?? '')?.[1] ?? null });
    i = end;
  }
  return blocks;
}

const all = FILES.flatMap(blocksOf);

it('finds the examples, and every one either runs or says why it cannot', () => {
  expect(all.length).toBeGreaterThan(15);
  // The README's walk through the API is among those that run.
  expect(all.some((b) => b.file === 'README.md' && b.notRun === null && b.text.includes('/v2/requests'))).toBe(true);
  for (const b of all) if (b.notRun !== null) expect(b.notRun.length, `${b.file}:${b.line}`).toBeGreaterThan(10);
});

describe('against a started Forge', () => {
  let dataDir: string;
  let port: number;
  let child: ReturnType<typeof spawn>;

  beforeAll(async () => {
    if (!existsSync(cli)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
    if (builtOverlays().length < 6) execFileSync(process.execPath, ['scripts/build-overlays.mjs'], { cwd: root, stdio: 'inherit' });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-docs-'));
    child = spawn(process.execPath, [cli, 'start', '--demo', '--port', '0', '--data-dir', dataDir], { env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    const ready = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Forge did not start: ${out}`)), 90_000);
      const read = (d: Buffer) => {
        out += d.toString();
        if (out.includes('Connect an MCP client')) {
          clearTimeout(timer);
          resolve(out);
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
    });
    port = Number(/API http:\/\/127\.0\.0\.1:(\d+)\/v2/.exec(ready)?.[1]);
  }, 120_000);

  afterAll(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const runnable = [...new Set(all.filter((b) => b.notRun === null).map((b) => b.file))];
  it.each(runnable)(
    '%s runs as written',
    async (file) => {
      const script = all
        .filter((b) => b.file === file && b.notRun === null)
        .map((b) => `# ${b.file}:${b.line}\n${b.text}`)
        .join('\n')
        .replaceAll(/(localhost|127\.0\.0\.1):8080/g, `127.0.0.1:${port}`)
        .replaceAll('forge-data/', `${dataDir}/`);
      const prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n';
      const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const bash = spawn('bash', ['-c', prelude + script], {
          cwd: root,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), PORT: String(port), FORGE_DATA_DIR: dataDir },
        });
        let out = '';
        bash.stdout.on('data', (d: Buffer) => (out += d.toString()));
        bash.stderr.on('data', (d: Buffer) => (out += d.toString()));
        bash.on('exit', (code) => resolve({ code, out }));
      });
      expect(result.code, `${file}:\n${result.out.slice(-4000)}`).toBe(0);
      expect(result.out).not.toMatch(/\bnull\b.*\/v2\//);
    },
    120_000,
  );
});

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Response, Router } from 'express';
import { packageRoot } from '../../util/package-root.js';
import { openApiDocument } from '../openapi/document.js';
import { guardedRouter } from './guard.js';

const require = createRequire(import.meta.url);
/** The folder of an installed package (found from its entry point: not every package exports package.json). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, 'package.json')) || (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${name} is not installed`);
    dir = up;
  }
  return dir;
}

/** Where the browser's modules are found by name (the import map of every page). */
const IMPORTS = {
  preact: '/ui/vendor/preact.mjs',
  'preact/hooks': '/ui/vendor/preact-hooks.mjs',
  htm: '/ui/vendor/htm.mjs',
  cytoscape: '/ui/vendor/cytoscape.mjs',
} as const;

/**
 * Every file under `/ui/`: the dashboard's own modules and the front-end packages it uses, served from the
 * installed packages (no CDN). A fixed list: nothing else on disk can be named.
 */
function assets(): Map<string, string> {
  const dashboard = path.join(packageRoot(), 'dashboard');
  const swagger = packageDir('swagger-ui-dist');
  const files = new Map<string, string>([
    ['vendor/preact.mjs', path.join(packageDir('preact'), 'dist/preact.module.js')],
    ['vendor/preact-hooks.mjs', path.join(packageDir('preact'), 'hooks/dist/hooks.module.js')],
    ['vendor/htm.mjs', path.join(packageDir('htm'), 'dist/htm.module.js')],
    ['vendor/cytoscape.mjs', path.join(packageDir('cytoscape'), 'dist/cytoscape.esm.min.mjs')],
    ['vendor/swagger-ui.css', path.join(swagger, 'swagger-ui.css')],
    ['vendor/swagger-ui-bundle.js', path.join(swagger, 'swagger-ui-bundle.js')],
  ]);
  for (const name of ['app.js', 'api.js', 'views.js', 'lineage.js', 'style.css', 'docs.js']) files.set(name, path.join(dashboard, name));
  for (const [name, file] of files) if (!existsSync(file)) throw new Error(`dashboard asset ${name} is missing (${file}): reinstall the package`);
  return files;
}

const importMap = JSON.stringify({ imports: IMPORTS });
const importMapHash = createHash('sha256').update(importMap).digest('base64');

/** The pages' policy: scripts from Forge only (and the import map, by its hash); no frames, no other origins. */
const CSP = [
  "default-src 'self'",
  `script-src 'self' 'sha256-${importMapHash}'`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function html(res: Response, title: string, body: string, head = ''): void {
  res
    .set({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' })
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>${FAVICON}` +
        `<script type="importmap">${importMap}</script>${head}</head><body>${body}</body></html>`,
    );
}

/** Text made safe to put in HTML, text or attribute. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The pages' icon, inline (a browser asks for /favicon.ico otherwise, and logs its 404). */
export const FAVICON = `<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%231d6fb8'/%3E%3C/svg%3E">`;

/**
 * The browser's pages: the dashboard at `/` (it signs in through `/admin/login`, then calls the API with a
 * session's access token), the API reference at `/docs`, the OpenAPI document at `/v2/openapi.json`, and
 * their static files under `/ui/`. The pages carry no data: everything they show comes from the API, as
 * the signed-in user.
 */
export function webRouter(): Router {
  const r = guardedRouter('');
  const files = assets();

  r.get('/v2/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  r.get('/docs', (_req, res) => {
    html(
      res,
      'Forge · API reference',
      '<div id="swagger-ui"></div><script src="/ui/vendor/swagger-ui-bundle.js"></script><script src="/ui/docs.js"></script>',
      '<link rel="stylesheet" href="/ui/vendor/swagger-ui.css">',
    );
  });

  r.get('/', (_req, res) => {
    html(res, 'Forge', '<div id="app"></div><script type="module" src="/ui/app.js"></script>', '<link rel="stylesheet" href="/ui/style.css">');
  });

  r.get('/ui/*asset', (req, res) => {
    const name = ([] as string[]).concat((req.params as { asset: string | string[] }).asset).join('/');
    const file = files.get(name);
    if (!file) {
      res.status(404).json({ error: 'not_found', message: `no file ${req.path}` });
      return;
    }
    res.set({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' }).sendFile(file, { dotfiles: 'deny' });
  });
  return r;
}

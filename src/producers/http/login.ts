import express, { type Router } from 'express';
import { hashApiKey, isApiKey } from '../../auth/api-keys.js';
import { SESSION_COOKIE, sessionIdOf } from '../../auth/authenticate.js';
import { checkPassword, signInWait } from '../../auth/sign-in.js';
import type { RateLimits, SessionStore } from '../../fleet/fleet-state.js';
import type { GraphStore, UserRecord } from '../../store/graph-store.js';
import type { TokenService } from '../../auth/tokens.js';
import { SessionRequiredError } from '../../errors.js';
import { guardedRouter, requirePrincipal } from './guard.js';
import { escapeHtml as escape, FAVICON } from './web.js';

/** How long a browser session lasts. */
const SESSION_TTL_S = 8 * 3600;

/** Where a login may send the browser afterwards: the dashboard or Bull Board, nowhere else. */
const NEXT_PAGES = ['/', '/admin/queues'] as const;
/** The cookie that tells the dashboard's page a sign-in happened (no credential in it). */
const SIGNED_IN_HINT = 'forge_signed_in';
const nextPage = (value: unknown): string => ((NEXT_PAGES as readonly unknown[]).includes(value) ? (value as string) : '/admin/queues');

function page(message: string | null, next = '/admin/queues'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Forge · sign in</title>${FAVICON}
<style>
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f6f7f9;color:#1f2933;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
main{width:100%;max-width:24rem;margin:2rem 1rem;padding:2rem 2rem 1.5rem;background:#fff;border:1px solid #e3e6ea;border-radius:10px;box-shadow:0 4px 18px rgba(15,23,42,.06)}
h1{margin:0 0 .2rem;font-size:1.5rem;letter-spacing:.01em}
.lede{margin:0 0 1.2rem;color:#5b6673}
label{display:block;margin:.9rem 0 .25rem;font-weight:600;font-size:.9rem}
input{width:100%;padding:.55rem .65rem;border:1px solid #c9ced6;border-radius:6px;font:inherit}
input:focus{outline:2px solid #1d6fb8;outline-offset:1px;border-color:#1d6fb8}
.or{display:flex;align-items:center;gap:.6rem;margin:1.1rem 0 .2rem;color:#8a94a3;font-size:.85rem}
.or::before,.or::after{content:"";flex:1;border-top:1px solid #e3e6ea}
button{width:100%;margin-top:1.3rem;padding:.6rem 1rem;border:0;border-radius:6px;background:#1d6fb8;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:hover{background:#185d9a}
.error{margin:0 0 1rem;padding:.55rem .7rem;border-radius:6px;background:#fdecee;color:#9b1c2c}
.hint{margin:1rem 0 0;color:#8a94a3;font-size:.8rem}
</style></head>
<body><main><h1>Forge</h1><p class="lede">Sign in with an API key, or with a user name and password.</p>
${message ? `<p class="error" role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/admin/login"><input type="hidden" name="next" value="${escape(next)}">
<label for="api_key">API key</label><input id="api_key" name="api_key" type="password" autocomplete="off" placeholder="forge_…">
<p class="or">or</p>
<label for="name">User name</label><input id="name" name="name" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<label for="totp">One-time code (when you have a second factor)</label><input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Sign in</button></form>
<p class="hint">A first start writes the admin's key to forge-data/admin.key.</p></main></body></html>`;
}

/**
 * `/admin/login` and `/admin/logout`: the browser's way into Bull Board. A valid API key, or a user name and
 * password, of an enabled user makes a session kept in the fleet state; the cookie is HttpOnly,
 * SameSite=Strict and sent only to `/admin`. Failures say nothing about which part was wrong.
 */
export function loginRouter({
  store,
  sessions,
  limits,
  tokens,
}: {
  store: Pick<GraphStore, 'useApiKey' | 'getUserCredentials'>;
  sessions: SessionStore;
  limits: RateLimits;
  tokens: Pick<TokenService, 'access'>;
}): Router {
  const r = guardedRouter('');
  const form = express.urlencoded({ extended: false, limit: '8kb' });

  r.get('/admin/login', (req, res) => {
    res.type('html').send(page(null, nextPage(req.query.next)));
  });

  r.post('/admin/login', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim() : '');
    const apiKey = text('api_key');
    // Fleet-wide limits before any check: attempts per address, and attempts per credential until one succeeds.
    const credential = apiKey ? `key:${apiKey.slice(0, 19)}` : `name:${text('name').toLowerCase()}`;
    const wait = await signInWait(limits, req.ip ?? 'unknown', credential);
    if (wait > 0) {
      res
        .status(429)
        .set('Retry-After', String(wait))
        .type('html')
        .send(page(`Too many sign-in attempts; try again in ${wait} s.`, nextPage(body.next)));
      return;
    }
    let user: UserRecord | null = null;
    let keyId: string | null = null;
    if (apiKey) {
      const found = isApiKey(apiKey) ? await store.useApiKey(hashApiKey(apiKey)) : null;
      user = found?.user ?? null;
      keyId = found?.key.id ?? null;
    } else if (text('name') && typeof body.password === 'string') {
      const checked = await checkPassword(store, text('name'), body.password, text('totp') || undefined);
      if ('user' in checked) user = checked.user;
    }
    if (!user || user.disabled) {
      res
        .status(401)
        .type('html')
        .send(page('Those credentials do not open Forge.', nextPage(body.next)));
      return;
    }
    await limits.reset('login-credential', credential);
    // A session opened with an API key remembers it: revoking the key ends the session.
    const id = await sessions.create(user.id, SESSION_TTL_S, keyId);
    res.cookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', path: '/admin', maxAge: SESSION_TTL_S * 1000, secure: req.secure });
    // A hint for the dashboard's page (the session cookie goes to /admin only): there may be a session to
    // buy a token with. It holds no credential; without it the page goes straight to sign in.
    res.cookie(SIGNED_IN_HINT, '1', { sameSite: 'strict', path: '/', maxAge: SESSION_TTL_S * 1000, secure: req.secure });
    res.redirect(303, nextPage(body.next));
  });

  // The dashboard's way to the API: the session (its cookie goes only to /admin) buys a short-lived access
  // token the page keeps in memory and sends as a bearer credential, so the API itself never takes cookies.
  // Only a browser session buys one, never a bearer credential (a token cannot renew itself), and the token
  // lives no longer than the session.
  r.post('/admin/session/token', async (_req, res) => {
    const principal = requirePrincipal(res);
    if (principal.via !== 'session' || !principal.session_ref) {
      throw new SessionRequiredError('an access token for the dashboard', principal.via);
    }
    res.set('cache-control', 'no-store').json(await tokens.access(principal.user, { kind: 'session', ref: principal.session_ref }));
  });

  r.post('/admin/logout', async (req, res) => {
    const id = sessionIdOf(req.get('cookie'));
    if (id) await sessions.end(id);
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    res.clearCookie(SIGNED_IN_HINT, { path: '/' });
    res.redirect(303, '/admin/login');
  });
  return r;
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { ConfigError } from '../src/errors.js';
import { callJson, createServedForge, type ServedForge } from './helpers/forge.js';

const ISSUER = 'https://id.example.test';
let jwks: Server;
let t: ServedForge;
let key: CryptoKey;
let fetched = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  key = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  // The identity provider's key set, served as a real issuer would.
  jwks = createServer((req, res) => {
    fetched++;
    if (req.url !== '/jwks') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const port = (jwks.address() as AddressInfo).port;
  t = await createServedForge({ FORGE_OIDC_ISSUER: ISSUER, FORGE_OIDC_AUDIENCE: 'forge', FORGE_OIDC_JWKS_URL: `http://127.0.0.1:${port}/jwks`, FORGE_OIDC_MAX_TRUST: '60' });
});
afterAll(async () => {
  await t.cleanup();
  await new Promise((resolve) => jwks.close(resolve));
});

const token = (claims: Record<string, unknown>, options: { audience?: string; expires?: string | number; signWith?: CryptoKey; kid?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? 'forge')
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '5m')
    .sign(options.signWith ?? key);
const as = (jwt: string) => ({ authorization: `Bearer ${jwt}` });

it('accepts tokens of the configured issuer, mapping their claims to role and trust within bounds', async () => {
  const jwt = await token({ forge_role: 'contributor', forge_trust: 80, preferred_username: 'alice@example' });
  const me = await callJson(t.url, 'GET', '/v2/auth/me', undefined, as(jwt));
  expect(me.body).toMatchObject({ user: { id: 'oidc:alice', name: 'alice@example', role: 'contributor', trust_level: 60 }, via: 'oidc' }); // 80 capped at 60
  const capsule = await callJson(t.url, 'POST', '/v2/capsules', { content: 'Written through the identity provider.', type: 'knowledge' }, as(jwt));
  expect(capsule.body).toMatchObject({ owner_id: 'oidc:alice', trust_level: 60 });
  expect(fetched).toBeGreaterThan(0);

  const plain = await callJson(t.url, 'GET', '/v2/auth/me', undefined, as(await token({})));
  expect(plain.body).toMatchObject({ user: { role: 'reader', trust_level: 40 } }); // no claims: the defaults
  expect((await callJson(t.url, 'POST', '/v2/capsules', { content: 'x', type: 'knowledge' }, as(await token({ forge_role: 'root' })))).status).toBe(403);
});

it('refuses a token for another audience, signed by another key, or expired', async () => {
  expect(await callJson(t.url, 'GET', '/v2/auth/me', undefined, as(await token({}, { audience: 'someone-else' })))).toMatchObject({
    status: 401,
    body: { details: { reason: 'invalid' } },
  });
  const stranger = (await generateKeyPair('ES256')).privateKey;
  expect((await callJson(t.url, 'GET', '/v2/auth/me', undefined, as(await token({}, { signWith: stranger })))).status).toBe(401);
  expect((await callJson(t.url, 'GET', '/v2/auth/me', undefined, as(await token({}, { signWith: stranger, kid: 'other' })))).status).toBe(401);
  expect(await callJson(t.url, 'GET', '/v2/auth/me', undefined, as(await token({}, { expires: Math.floor(Date.now() / 1000) - 60 })))).toMatchObject({
    status: 401,
    body: { details: { reason: 'expired' } },
  });
});

it('refuses an issuer configured in part, naming what is missing', () => {
  let error: unknown;
  try {
    loadConfig({ FORGE_OIDC_ISSUER: ISSUER });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).issues.map((i) => i.field).sort()).toEqual(['FORGE_OIDC_AUDIENCE', 'FORGE_OIDC_JWKS_URL']);
});

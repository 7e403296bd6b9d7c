import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3BlobStore } from '../src/blobs/s3-blob-store.js';
import { describeBlobStoreConformance } from './conformance/blob-store-conformance.js';
import { authHeaders, callJson, createServedForge } from './helpers/forge.js';
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from './helpers/s3.js';
import { compileWat } from './helpers/wat.js';

// A real S3 API (s3rver) on a free port; each store gets a prefix of its own in one bucket.
let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => s3?.stop());

const open = (prefix: string) => new S3BlobStore({ bucket: s3.bucket, prefix, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });

describeBlobStoreConformance('s3 (s3rver)', async () => {
  const prefix = `t-${randomUUID()}`;
  const store = open(prefix);
  const raw = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    store,
    tamper: async (key, bytes) => void (await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${key}`, Body: bytes }))),
    destroy: async () => (store.close(), raw.destroy()),
  };
});

it('keeps each store inside its prefix, so two stores in one bucket never see each other', async () => {
  const a = open('tenant-a');
  const b = open('tenant-b/');
  const { key } = await a.put(new TextEncoder().encode('only in a'));
  expect(await a.has(key)).toBe(true);
  expect(await b.has(key)).toBe(false);
  expect(await b.get(key)).toBeNull();
  a.close();
  b.close();
});

it('reports an unreachable endpoint as an error, never as a missing blob', async () => {
  const store = new S3BlobStore({ bucket: 'b', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, credentials: S3RVER_CREDENTIALS, maxAttempts: 1 });
  await expect(store.get('sha256/00/0000000000000000000000000000000000000000000000000000000000000000')).rejects.toThrow();
  await expect(store.has('sha256/00/0000000000000000000000000000000000000000000000000000000000000000')).rejects.toThrow();
  store.close();
});

it('serves a Forge configured for S3 (FORGE_BLOB_STORE=s3, credentials from the AWS environment): overlay modules go to the bucket and run from it', async () => {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  const prefix = `forge-${randomUUID().slice(0, 8)}`;
  const t = await createServedForge({
    FORGE_OVERLAY_THREADS: '1',
    FORGE_BLOB_STORE: 's3',
    FORGE_S3_BUCKET: s3.bucket,
    FORGE_S3_PREFIX: prefix,
    FORGE_S3_ENDPOINT: s3.endpoint,
    FORGE_S3_PATH_STYLE: 'true',
  });
  try {
    expect(t.forge.blobs.kind).toBe('s3');
    const form = new FormData();
    form.set('manifest', new Blob(['name: s3-echo\nversion: 1.0.0\nentry_points: [echo]\ncapabilities: [capsule:read, event:publish]\n']), 'manifest.yaml');
    form.set('wasm', new Blob([await compileWat('abi-test')]), 'overlay.wasm');
    const created = (await (await fetch(`${t.url}/v2/overlays`, { method: 'POST', body: form, headers: authHeaders(t.url) })).json()) as { id: string; blob_key: string };
    const raw = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`${prefix}/${created.blob_key}`]);
    expect((await callJson(t.url, 'POST', `/v2/overlays/${created.id}/activate`, {})).status).toBe(200);
    const echoed = await callJson(t.url, 'POST', `/v2/overlays/${created.id}/invoke`, { function: 'echo', args: { from: 's3' } });
    expect(echoed.body).toMatchObject({ success: true, result: { from: 's3' } });
    raw.destroy();
  } finally {
    await t.cleanup();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  }
}, 60_000);

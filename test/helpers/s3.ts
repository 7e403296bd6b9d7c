import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** s3rver's fixed development credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** The folder s3rver keeps its objects in (`<bucket>/<key>._S3rver_object`). */
  readonly directory: string;
  stop(): Promise<void>;
}

/** A real S3 API on a free localhost port (s3rver), with one empty bucket, removed on `stop`. */
export async function startLocalS3(bucket = 'forge-test'): Promise<LocalS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'forge-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    directory,
    stop: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Forge's settings for blobs on this S3 (and the credentials its client reads from the environment). */
export function s3Env(s3: LocalS3): Record<string, string> {
  return {
    FORGE_BLOB_STORE: 's3',
    FORGE_S3_BUCKET: s3.bucket,
    FORGE_S3_ENDPOINT: s3.endpoint,
    FORGE_S3_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  };
}

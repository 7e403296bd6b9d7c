import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { blobKeyFor, checkBlobKey, verifiedBlob, type BlobStore } from './blob-store.js';

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Prepended to every key (`forge/` → `forge/sha256/ab/…`); empty by default. */
  readonly prefix?: string;
  /** An S3-compatible endpoint (MinIO, Ceph, a local test server); AWS's own when absent. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Addresses the bucket in the path rather than the host name, as most S3-compatible servers need. */
  readonly forcePathStyle?: boolean;
  /** Explicit credentials; by default the standard AWS chain (environment, profile, web identity, instance role). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call, for throttling and transient errors (the SDK's standard retry strategy). */
  readonly maxAttempts?: number;
}

/**
 * Blobs in an S3 bucket (or any S3-compatible store). Content-addressed like the filesystem store: a put
 * of bytes already present is a HEAD and nothing more, and every read is checked against the sha256 its
 * key names, so a replaced or corrupted object is refused rather than executed or served.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? 3,
    });
  }

  private objectKey(key: string): string {
    return this.prefix + checkBlobKey(key);
  }

  async put(bytes: Uint8Array, key?: string): Promise<{ sha256: string; key: string; size: number }> {
    const { sha256, key: finalKey } = blobKeyFor(bytes, key);
    if (!(await this.has(finalKey))) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(finalKey),
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: 'application/octet-stream',
          Metadata: { sha256 },
        }),
      );
    }
    return { sha256, key: finalKey, size: bytes.byteLength };
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!object.Body) return verifiedBlob(key, new Uint8Array(0));
      return verifiedBlob(key, await object.Body.transformToByteArray());
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  close(): void {
    this.client.destroy();
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);
}

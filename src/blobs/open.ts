import { FsBlobStore, type BlobStore } from './blob-store.js';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js';

export type BlobStoreConfig = { readonly kind: 'filesystem'; readonly root: string } | ({ readonly kind: 's3' } & S3BlobStoreOptions);

/** The blob store the configuration names (FORGE_BLOB_STORE and, for S3, FORGE_S3_*). */
export function openBlobStore(config: BlobStoreConfig): BlobStore {
  return config.kind === 's3' ? new S3BlobStore(config) : new FsBlobStore(config.root);
}

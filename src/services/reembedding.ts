import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { embeddingModelOf, embedWithPassages, type Embedder, type TextEmbedding } from '../search/embedder.js';
import { textBefore } from './capsules.js';
import type { GraphStore } from '../store/graph-store.js';

export const REEMBED_QUEUE = 'reembed';

export interface ReembedJob {
  /** The model the capsules are to be embedded by (`embeddingModelOf`). */
  readonly model: string;
}

export interface ReembedProgress {
  readonly model: string;
  /** Capsules re-embedded by this run so far. */
  readonly done: number;
  /** Capsules still to do when the run last looked. */
  readonly remaining: number;
  /** 0–100. */
  readonly percent: number;
}

/**
 * Re-embedding the store when the embedding model or its size changes. The work is whatever the store
 * still holds from another model, so a run interrupted anywhere (a crash, a deploy, a provider outage)
 * resumes where it stopped: the next run starts from what is still stale, and nothing done is redone.
 * It runs as one BullMQ job per model, once across the fleet (a fixed job id), with its progress on the
 * job for Bull Board and in the log.
 */
export class Reembedding {
  readonly model: string;
  private readonly store: Pick<GraphStore, 'countStaleEmbeddings' | 'staleEmbeddings' | 'setEmbeddings' | 'capsuleInThread'>;
  private readonly embedder: Embedder;
  private readonly batchSize: number;

  constructor(deps: { store: Pick<GraphStore, 'countStaleEmbeddings' | 'staleEmbeddings' | 'setEmbeddings' | 'capsuleInThread'>; embedder: Embedder; batchSize?: number }) {
    this.store = deps.store;
    this.embedder = deps.embedder;
    this.batchSize = deps.batchSize ?? 64;
    this.model = embeddingModelOf(deps.embedder);
  }

  /** Capsules the configured model did not embed. */
  backlog(): Promise<number> {
    return this.store.countStaleEmbeddings(this.model);
  }

  /** Queues the fleet's one re-embedding job for this model when there is a backlog; true when queued. */
  async schedule(queue: Queue<ReembedJob>): Promise<boolean> {
    if ((await this.backlog()) === 0) return false;
    await queue.add(
      'reembed',
      { model: this.model },
      {
        jobId: `reembed-${createHash('sha256').update(this.model).digest('hex').slice(0, 16)}`,
        attempts: 10,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: true,
        removeOnFail: 100,
      },
    );
    return true;
  }

  /** Re-embeds batch by batch until nothing is stale, reporting after each batch. */
  async run(progress: (p: ReembedProgress) => Promise<void> | void): Promise<{ model: string; reembedded: number }> {
    // Counted once: the progress after each batch is what remains of it (a count per batch would scan the store each time).
    const total = await this.backlog();
    let done = 0;
    for (;;) {
      const batch = await this.store.staleEmbeddings(this.model, this.batchSize);
      if (batch.length === 0) break;
      const before = await Promise.all(batch.map((c) => textBefore(this.store, c.metadata, c.trust_level)));
      const embedded = await embedWithPassages(
        this.embedder,
        batch.map((c) => c.content),
        before,
      );
      done += await this.store.setEmbeddings(
        this.model,
        batch.map((c, i) => ({ id: c.id, ...(embedded[i] as TextEmbedding) })),
      );
      const remaining = Math.max(0, total - done);
      await progress({ model: this.model, done, remaining, percent: Math.floor((100 * done) / Math.max(1, done + remaining)) });
    }
    return { model: this.model, reembedded: done };
  }
}

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Forge } from '../app.js';
import { CAPSULE_TYPES, type Caller, type Capsule } from '../store/graph-store.js';
import { uuidV5 } from '../util/ids.js';

const SampleCapsule = z.strictObject({
  key: z.string(),
  type: z.enum(CAPSULE_TYPES).optional(),
  trust_level: z.number().int().min(0).max(100).optional(),
  tags: z.array(z.string()).optional(),
  content: z.string().min(1),
  update_of: z.string().optional(),
  fork_of: z.string().optional(),
  derived_from: z.array(z.string()).optional(),
  reason: z.string().optional(),
});

export const SampleFile = z.strictObject({
  description: z.string(),
  capsules: z.array(SampleCapsule),
  questions: z.array(z.strictObject({ query: z.string(), save_as_capsule: z.boolean().optional() })),
});
export type SampleFile = z.output<typeof SampleFile>;

const LOADER: Caller = { id: 'sample-loader', roles: ['admin'], trust_level: 100 };

export function readSampleFile(file: URL | string): SampleFile {
  return SampleFile.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/**
 * Loads the sample knowledge base. Idempotent: capsule ids derive from the sample keys, and a base that
 * is already loaded is left as it is.
 */
export async function loadSampleKnowledge(forge: Forge, sample: SampleFile): Promise<{ loaded: number; skipped: boolean }> {
  const first = sample.capsules[0];
  if (!first || (await forge.store.getCapsule(uuidV5(`sample:${first.key}`)))) return { loaded: 0, skipped: true };
  const byKey = new Map<string, Capsule>();
  const get = (key: string): Capsule => {
    const c = byKey.get(key);
    if (!c) throw new Error(`sample capsule "${key}" is used before it is defined`);
    return c;
  };
  for (const s of sample.capsules) {
    let capsule: Capsule;
    if (s.update_of) {
      capsule = await forge.capsules.update(LOADER, get(s.update_of).id, { content: s.content, ...(s.reason ? { reason: s.reason } : {}) });
    } else if (s.fork_of) {
      capsule = await forge.capsules.fork(LOADER, get(s.fork_of).id, { content: s.content, ...(s.reason ? { reason: s.reason } : {}) });
    } else {
      capsule = await forge.capsules.create(LOADER, {
        id: uuidV5(`sample:${s.key}`),
        content: s.content,
        type: s.type ?? 'knowledge',
        trust_level: s.trust_level ?? 60,
        tags: s.tags ?? [],
        metadata: { sample: s.key },
        derived_from: (s.derived_from ?? []).map((key) => ({ parent_id: get(key).id, reason: s.reason ?? 'derived' })),
      });
    }
    byKey.set(s.key, capsule);
  }
  return { loaded: sample.capsules.length, skipped: false };
}

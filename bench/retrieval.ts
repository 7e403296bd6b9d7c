/**
 * Retrieval quality on LoCoMo (long multi-session conversations; see ../shared/eval/README.md), through
 * Forge's own store and search.
 *
 *   npm run bench:retrieval [-- --data ../shared/eval/locomo-dev.json --model DIR --fusion 0.4,0.5/0]
 *
 * Every turn becomes a capsule (`<speaker> (<session date>): <text>`, tagged with its conversation,
 * `metadata.dia_id`, its session a thread: `metadata.thread`, `metadata.position`), stored through
 * `CapsuleService.create` as a writer stores them; each question of categories 1-4 is searched within its
 * conversation (limit 10);
 * recall@k is the share of its evidence turns in the top k, nDCG@10 counts each evidence turn as relevant.
 * Measured in the same run: Forge with the built-in sentence-embedding model, Forge with the feature-hashing
 * embedder, and a plain BM25 ranking of the same turns (the floor to beat). Development half only: nothing
 * here is tuned on the held-out conversations. Ends with one JSON line.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HashingEmbedder, type Embedder } from '../src/search/embedder.js';
import { defaultModelDir, OnnxEmbedder } from '../src/search/onnx-embedder.js';
import { CapsuleService } from '../src/services/capsules.js';
import type { Caller, GraphStore, SearchQuery } from '../src/store/graph-store.js';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';
import { packageRoot } from '../src/util/package-root.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(packageRoot(), '..', 'shared', 'eval', 'locomo-dev.json') },
    model: { type: 'string', default: defaultModelDir() },
    /**
     * Also rank with these fusion settings, each reported as its own row (a lever's sweep in one run):
     * comma-separated `vector[/neighbours[/answers]]`, e.g. `0.4,0.6,0.5/0/0` (0.5 to the vector side, no thread context).
     */
    fusion: { type: 'string' },
  },
});
if (!existsSync(values.data)) {
  console.error(`bench:retrieval: no LoCoMo data at ${values.data} (pass --data)`);
  process.exit(2);
}

interface Turn {
  readonly speaker: string;
  readonly dia_id: string;
  readonly text: string;
}
interface Question {
  readonly question: string;
  readonly evidence?: readonly string[];
  readonly category: number;
}
interface Conversation {
  readonly conversation: Record<string, string | Turn[]>;
  readonly qa: readonly Question[];
}

const conversations = JSON.parse(readFileSync(values.data, 'utf8')) as Conversation[];
const READER: Caller = { id: 'bench', roles: ['reader'], trust_level: 100 };
const WRITER: Caller = { id: 'bench', roles: ['writer'], trust_level: 100 };
const K = [1, 5, 10] as const;

/** Each conversation's turns as capsule texts, by dia_id. */
function turnsOf(c: Conversation): Array<{ dia_id: string; text: string; session: string; position: number }> {
  const out: Array<{ dia_id: string; text: string; session: string; position: number }> = [];
  for (const [key, value] of Object.entries(c.conversation)) {
    const session = /^session_(\d+)$/.exec(key);
    if (!session || !Array.isArray(value)) continue;
    const date = c.conversation[`session_${session[1]}_date_time`] as string;
    value.forEach((turn, position) => out.push({ dia_id: turn.dia_id, text: `${turn.speaker} (${date}): ${turn.text}`, session: key, position }));
  }
  return out;
}

interface Scores {
  recall: Record<(typeof K)[number], number>;
  ndcg10: number;
  questions: number;
  /** recall@10 by LoCoMo's question category (as its data numbers them). */
  by_category?: Record<number, { questions: number; recall_at_10: number }>;
  /** With a relevance floor: the share of answerable questions (1-4) nothing reached the floor for, and of adversarial ones (5). */
  abstained?: { answerable: number; adversarial: number };
}

/** Averages over the questions: recall@k and nDCG@10 of each ranking (dia_ids, best first) against its evidence. */
function score(rankings: ReadonlyArray<{ ranked: readonly string[]; evidence: ReadonlySet<string>; category?: number }>): Scores {
  const recall = { 1: 0, 5: 0, 10: 0 };
  let ndcg = 0;
  for (const { ranked, evidence } of rankings) {
    for (const k of K) recall[k] += ranked.slice(0, k).filter((id) => evidence.has(id)).length / evidence.size;
    let dcg = 0;
    ranked.slice(0, 10).forEach((id, i) => (dcg += evidence.has(id) ? 1 / Math.log2(i + 2) : 0));
    let ideal = 0;
    for (let i = 0; i < Math.min(10, evidence.size); i++) ideal += 1 / Math.log2(i + 2);
    ndcg += dcg / ideal;
  }
  const n = rankings.length;
  const by: Record<number, { questions: number; recall_at_10: number }> = {};
  for (const { ranked, evidence, category } of rankings) {
    if (category === undefined) continue;
    const c = (by[category] ??= { questions: 0, recall_at_10: 0 });
    c.questions++;
    c.recall_at_10 += ranked.slice(0, 10).filter((id) => evidence.has(id)).length / evidence.size;
  }
  for (const c of Object.values(by)) c.recall_at_10 = Number((c.recall_at_10 / c.questions).toFixed(3));
  return { recall: { 1: recall[1] / n, 5: recall[5] / n, 10: recall[10] / n }, ndcg10: ndcg / n, questions: n, ...(Object.keys(by).length ? { by_category: by } : {}) };
}

/** The questions of categories 1-4 whose evidence names turns of their conversation. */
function questionsOf(c: Conversation, ids: ReadonlySet<string>): Array<{ question: string; category: number; evidence: Set<string> }> {
  return c.qa
    .filter((q) => q.category >= 1 && q.category <= 4)
    .map((q) => ({ question: q.question, category: q.category, evidence: new Set((q.evidence ?? []).filter((e) => ids.has(e))) }))
    .filter((q) => q.evidence.size > 0);
}

/** Forge: the turns stored as capsules through the graph store, each question searched within its conversation. */
async function forge(embedder: Embedder, sweep: readonly string[] = []): Promise<Scores & { sweep?: Record<string, Scores> }> {
  const store = await SqliteGraphStore.open({ file: ':memory:' });
  const capsules = new CapsuleService({ store, embedder, cache: { invalidate: async () => undefined } });
  // The same store searched with other fusion settings.
  const swept = sweep.map((spec) => {
    const [vector, neighbours, answers] = spec.split('/').map(Number) as [number, number | undefined, number | undefined];
    const fusion = { vector, text: 1 - vector, ...(neighbours === undefined ? {} : { neighbours }), ...(answers === undefined ? {} : { answers }) };
    const searching = Object.create(store, { searchCapsules: { value: (q: SearchQuery) => store.searchCapsules({ ...q, fusion }) } }) as GraphStore;
    return {
      label: `vector ${vector}${neighbours === undefined ? '' : `, neighbours ${neighbours}`}${answers === undefined ? '' : `, answers ${answers}`}`,
      capsules: new CapsuleService({ store: searching, embedder, cache: { invalidate: async () => undefined } }),
      rankings: [] as Array<{ ranked: string[]; evidence: Set<string> }>,
    };
  });
  const rankings: Array<{ ranked: string[]; evidence: Set<string>; category: number }> = [];
  const abstained = { answerable: 0, adversarial: 0 };
  let adversarial = 0;
  try {
    for (const [i, c] of conversations.entries()) {
      const turns = turnsOf(c);
      const tag = `conversation-${i}`;
      // Through the service, as a writer stores them: each turn is read with the one before it in its session.
      for (const [n, t] of turns.entries()) {
        await capsules.create(WRITER, {
          content: t.text,
          type: 'knowledge',
          trust_level: 0,
          tags: [tag],
          // Each session is a thread: its turns in order (search weighs a turn's neighbours).
          metadata: { dia_id: t.dia_id, thread: `${tag}/${t.session}`, position: t.position },
        });
        if (n % 16 === 15 || n === turns.length - 1)
          process.stderr.write(`\r  ${embedder.name}: conversation ${i + 1}/${conversations.length}, ${n + 1}/${turns.length} turns stored`);
      }
      const reached = (hits: ReadonlyArray<{ vector_score: number | null }>) => hits.some((h) => h.vector_score !== null && h.vector_score >= (embedder.relevanceFloor ?? -1));
      for (const q of questionsOf(c, new Set(turns.map((t) => t.dia_id)))) {
        const hits = await capsules.search(READER, { q: q.question, limit: 10, tag });
        rankings.push({ ranked: hits.map((h) => String(h.capsule.metadata.dia_id)), evidence: q.evidence, category: q.category });
        for (const other of swept)
          other.rankings.push({
            ranked: (await other.capsules.search(READER, { q: q.question, limit: 10, tag })).map((h) => String(h.capsule.metadata.dia_id)),
            evidence: q.evidence,
          });
        if (!reached(hits)) abstained.answerable++;
      }
      for (const q of c.qa.filter((x) => x.category === 5)) {
        adversarial++;
        if (!reached(await capsules.search(READER, { q: q.question, limit: 10, tag }))) abstained.adversarial++;
      }
    }
    process.stderr.write('\n');
    const scores = { ...score(rankings), ...(swept.length ? { sweep: Object.fromEntries(swept.map((o) => [o.label, score(o.rankings)])) } : {}) };
    if (embedder.relevanceFloor === undefined) return scores;
    return { ...scores, abstained: { answerable: abstained.answerable / scores.questions, adversarial: abstained.adversarial / Math.max(1, adversarial) } };
  } finally {
    await store.close();
  }
}

/** A plain BM25 ranking (k1 1.2, b 0.75) of each conversation's turns: lower-cased words, nothing else. */
function bm25(): Scores {
  const tokens = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const rankings: Array<{ ranked: string[]; evidence: Set<string> }> = [];
  for (const c of conversations) {
    const turns = turnsOf(c).map((t) => ({ ...t, terms: tokens(t.text) }));
    const df = new Map<string, number>();
    for (const t of turns) for (const term of new Set(t.terms)) df.set(term, (df.get(term) ?? 0) + 1);
    const mean = turns.reduce((n, t) => n + t.terms.length, 0) / turns.length;
    for (const q of questionsOf(c, new Set(turns.map((t) => t.dia_id)))) {
      const query = [...new Set(tokens(q.question))];
      const scored = turns.map((t) => {
        let s = 0;
        for (const term of query) {
          const tf = t.terms.filter((x) => x === term).length;
          if (!tf) continue;
          const n = df.get(term) ?? 0;
          s += Math.log(1 + (turns.length - n + 0.5) / (n + 0.5)) * ((tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * t.terms.length) / mean)));
        }
        return { id: t.dia_id, s };
      });
      scored.sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1));
      rankings.push({ ranked: scored.slice(0, 10).map((x) => x.id), evidence: q.evidence });
    }
  }
  return score(rankings);
}

const model = await OnnxEmbedder.create({ dir: values.model });
const results = {
  [`forge (${model.name})`]: await forge(model, values.fusion?.split(',') ?? []),
  'forge (feature hashing)': await forge(new HashingEmbedder(256)),
  'bm25 (baseline)': bm25(),
};
await model.close();
const f = (x: number) => x.toFixed(3);
console.log(`${'ranking'.padEnd(34)} recall@1 recall@5 recall@10  nDCG@10   (${Object.values(results)[0]?.questions} questions, categories 1-4, 5 conversations)`);
const row = (name: string, s: Scores) =>
  console.log(`${name.padEnd(34)} ${f(s.recall[1]).padStart(8)} ${f(s.recall[5]).padStart(8)} ${f(s.recall[10]).padStart(9)} ${f(s.ndcg10).padStart(8)}`);
for (const [name, s] of Object.entries(results)) {
  row(name, s);
  for (const [label, swept] of Object.entries('sweep' in s ? (s.sweep ?? {}) : {})) row(`  ${label}`, swept);
}
for (const [name, s] of Object.entries(results)) {
  if (s.by_category)
    console.log(
      `${name}: recall@10 by category — ${Object.entries(s.by_category)
        .map(([c, v]) => `${c} (${v.questions} questions) ${f(v.recall_at_10)}`)
        .join(', ')}`,
    );
}
for (const [name, s] of Object.entries(results)) {
  if (s.abstained)
    console.log(
      `${name}: "not known" (nothing at the relevance floor) for ${(s.abstained.adversarial * 100).toFixed(1)} % of adversarial questions (category 5), ${(s.abstained.answerable * 100).toFixed(1)} % of answerable ones`,
    );
}
console.log(
  JSON.stringify({
    bench: 'retrieval',
    data: 'locomo-dev',
    questions: Object.values(results)[0]?.questions,
    results: Object.fromEntries(
      Object.entries(results).map(([name, s]) => [
        name,
        {
          recall_at_1: Number(f(s.recall[1])),
          recall_at_5: Number(f(s.recall[5])),
          recall_at_10: Number(f(s.recall[10])),
          ndcg_at_10: Number(f(s.ndcg10)),
          ...(s.by_category ? { recall_at_10_by_category: s.by_category } : {}),
          ...(s.abstained ? { not_known_adversarial: Number(f(s.abstained.adversarial)), not_known_answerable: Number(f(s.abstained.answerable)) } : {}),
          ...('sweep' in s && s.sweep
            ? { sweep: Object.fromEntries(Object.entries(s.sweep).map(([label, w]) => [label, { recall_at_1: Number(f(w.recall[1])), recall_at_10: Number(f(w.recall[10])) }])) }
            : {}),
        },
      ]),
    ),
  }),
);

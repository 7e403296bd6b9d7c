import Database from 'better-sqlite3';
import { isStopword, words } from './text.js';

/**
 * Text ranking whose scores depend only on what the reader may read. A full-text index's own ranking (FTS5's
 * bm25(), Lucene's) weighs a term by how many documents of the whole index hold it, so a capsule's score —
 * and the order of two capsules — would tell a reader whether a word also occurs in knowledge above its
 * trust. Instead, each store keeps, per trust level, how many capsules hold each term and how many capsules
 * and tokens there are, and each capsule's terms; a query's BM25 is computed from the sums over the levels
 * at or below the reader's trust. The index still finds the candidates. Every store counts terms with the
 * same tokenizer (IndexTokenizer), so the scores are the same on every adapter.
 */

/**
 * Full-text candidates a reader's BM25 is computed over. A query with at most this many matches the
 * reader may see is ranked exactly by its own statistics; past it, the candidates are the best this many
 * by the whole index's ranking, re-scored by the reader's.
 */
export const TEXT_CANDIDATES = 200;

/** The BM25 parameters (the usual ones, as FTS5's bm25() uses). */
export const BM25 = { k1: 1.2, b: 0.75 } as const;

/** A text's terms as the full-text index sees them (same tokenizer: porter over unicode61), with counts. */
export interface Terms {
  readonly counts: ReadonlyMap<string, number>;
  /** Tokens in all. */
  readonly length: number;
}

/**
 * Tokenizes exactly as the capsule index does, by running the same FTS5 tokenizer over a one-row table in
 * a private in-memory database: the terms counted here are the terms the index matches.
 */
export class IndexTokenizer {
  private readonly db = new Database(':memory:');
  private readonly insert;
  private readonly vocab;
  private readonly clear;

  constructor() {
    this.db.exec(`CREATE VIRTUAL TABLE one USING fts5(x, tokenize = 'porter unicode61'); CREATE VIRTUAL TABLE one_vocab USING fts5vocab(one, 'row');`);
    this.insert = this.db.prepare<[string]>('INSERT INTO one (rowid, x) VALUES (1, ?)');
    this.vocab = this.db.prepare<[], { term: string; cnt: number }>('SELECT term, cnt FROM one_vocab');
    this.clear = this.db.prepare('DELETE FROM one');
  }

  terms(text: string): Terms {
    this.insert.run(text);
    const counts = new Map<string, number>();
    let length = 0;
    for (const { term, cnt } of this.vocab.all()) {
      counts.set(term, cnt);
      length += cnt;
    }
    this.clear.run();
    return { counts, length };
  }

  close(): void {
    this.db.close();
  }
}

/** The corpus a reader may read, as BM25 needs it: how many capsules, their mean length, each term's capsules. */
export interface CorpusStats {
  readonly docs: number;
  readonly meanLength: number;
  readonly docsWith: ReadonlyMap<string, number>;
}

/** A query's terms as the index sees them (stopwords left out, as the index's query leaves them out). */
export function queryTerms(tokenizer: IndexTokenizer, text: string): string[] {
  return [
    ...tokenizer
      .terms(
        words(text)
          .filter((w) => !isStopword(w))
          .join(' '),
      )
      .counts.keys(),
  ];
}

/** A capsule's terms as a store keeps them: `{term: count}` and its length in tokens. */
export interface StoredTerms {
  readonly counts: Readonly<Record<string, number>>;
  readonly length: number;
}

/**
 * The full-text candidates in the order a reader sees them: by BM25 against the reader's corpus, best
 * first (ties by id), the best `pool`.
 */
export function rankForReader(
  candidates: readonly string[],
  terms: ReadonlyMap<string, StoredTerms>,
  query: readonly string[],
  corpus: CorpusStats,
  pool: number,
): Array<[string, number]> {
  return candidates
    .map((id): [string, number] => {
      const doc = terms.get(id);
      return [id, doc ? bm25(query, doc, corpus) : 0];
    })
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, pool);
}

/** BM25 of one capsule for the query's terms, against the reader's corpus. */
export function bm25(query: readonly string[], doc: StoredTerms, corpus: CorpusStats): number {
  let score = 0;
  for (const term of query) {
    const tf = doc.counts[term] ?? 0;
    if (tf === 0) continue;
    const df = corpus.docsWith.get(term) ?? 0;
    const idf = Math.log(1 + (corpus.docs - df + 0.5) / (df + 0.5));
    const norm = corpus.meanLength > 0 ? doc.length / corpus.meanLength : 1;
    score += (idf * tf * (BM25.k1 + 1)) / (tf + BM25.k1 * (1 - BM25.b + BM25.b * norm));
  }
  return score;
}

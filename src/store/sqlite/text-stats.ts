import Database from 'better-sqlite3';

/**
 * Text ranking whose scores depend only on what the reader may read. FTS5's own bm25() weighs a term by
 * how many capsules of the whole table hold it, so a capsule's score — and the order of two capsules —
 * would tell a reader whether a word also occurs in knowledge above its trust. Instead, the store keeps,
 * per trust level, how many capsules hold each term (`term_levels`) and how many capsules and tokens there
 * are (`level_docs`), and each capsule's terms (`capsule_terms`); a query's BM25 is computed from the sums
 * over the levels at or below the reader's trust. FTS5 still finds the candidates.
 */

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

/** BM25 of one capsule for the query's terms, against the reader's corpus. */
export function bm25(queryTerms: readonly string[], doc: { readonly counts: Readonly<Record<string, number>>; readonly length: number }, corpus: CorpusStats): number {
  let score = 0;
  for (const term of queryTerms) {
    const tf = doc.counts[term] ?? 0;
    if (tf === 0) continue;
    const df = corpus.docsWith.get(term) ?? 0;
    const idf = Math.log(1 + (corpus.docs - df + 0.5) / (df + 0.5));
    const norm = corpus.meanLength > 0 ? doc.length / corpus.meanLength : 1;
    score += (idf * tf * (BM25.k1 + 1)) / (tf + BM25.k1 * (1 - BM25.b + BM25.b * norm));
  }
  return score;
}

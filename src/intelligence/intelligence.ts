import { cosine, embedQueries, type Embedder } from '../search/embedder.js';
import { leadOf } from '../search/passages.js';
import { sentences, terms } from '../search/text.js';

/** One retrieved capsule as the intelligence phase sees it. */
export interface RetrievedCapsule {
  readonly id: string;
  readonly content: string;
  readonly version: string;
  readonly trust_level: number;
  readonly score: number;
}

export interface AnswerParameters {
  /** Most sentences the answer may hold. */
  readonly max_sentences: number;
  /** Most capsules the answer may cite. */
  readonly max_citations: number;
}

export interface AnswerInput {
  readonly query: string;
  readonly capsules: readonly RetrievedCapsule[];
  readonly parameters: AnswerParameters;
}

export interface Answer {
  readonly text: string;
  /** Ids of the capsules the answer used, in the order first cited. */
  readonly citations: readonly string[];
  readonly model: string;
  /** Sentences of a generated answer that cite no source given: claims the retrieved knowledge does not back. */
  readonly uncited?: readonly string[];
  /** Source numbers a generated answer cited that were not given (or past `max_citations`), removed from the text. */
  readonly invalid_citations?: readonly number[];
}

/** An answer's grounding flags, when it has any (so they survive the answer cache and the phases between). */
export function groundingOf(answer: Pick<Answer, 'uncited' | 'invalid_citations'>): Pick<Answer, 'uncited' | 'invalid_citations'> {
  return { ...(answer.uncited ? { uncited: answer.uncited } : {}), ...(answer.invalid_citations ? { invalid_citations: answer.invalid_citations } : {}) };
}

/** The intelligence port: retrieved capsules in, an answer with citations out. */
export interface Intelligence {
  readonly name: string;
  answer(input: AnswerInput): Promise<Answer>;
}

/**
 * How far below the best sentence another may score and still be part of the answer, as a share of the
 * cosine range above the embedder's floor (each model has its own scale: 0.1 for all-MiniLM-L6-v2 at its
 * floor 0.25, 0.026 for e5-small-v2 at 0.8).
 */
const SENTENCE_MARGIN = 0.13;

/**
 * Builds the answer from the retrieved capsules themselves: the sentences that share the most terms with
 * the query (weighted by the capsule's retrieval score), kept in reading order and marked with the index
 * of the capsule they came from. Nothing is invented, so every statement is traceable to a citation.
 */
export class ExtractiveIntelligence implements Intelligence {
  readonly name: string;
  private readonly embedder: Pick<Embedder, 'embed' | 'embedQueries' | 'relevanceFloor'> | null;

  /**
   * With an embedder that has a relevance floor (a sentence model), sentences are chosen by meaning: only
   * those at or above the floor, and near the best (`SENTENCE_MARGIN`), answer; without one, by shared
   * terms.
   */
  constructor(options: { readonly embedder?: Pick<Embedder, 'embed' | 'embedQueries' | 'relevanceFloor'> } = {}) {
    this.embedder = options.embedder?.relevanceFloor === undefined ? null : options.embedder;
    this.name = this.embedder ? 'extractive-v2' : 'extractive-v1';
  }

  async answer(input: AnswerInput): Promise<Answer> {
    return this.embedder ? this.bySense(input, this.embedder) : this.byTerms(input);
  }

  /** The sentences closest in meaning to the question, none below the floor, in reading order. */
  private async bySense(input: AnswerInput, embedder: Pick<Embedder, 'embed' | 'embedQueries' | 'relevanceFloor'>): Promise<Answer> {
    const floor = embedder.relevanceFloor ?? 0;
    const found: Array<{ capsule: number; order: number; text: string; lead: string }> = [];
    const seen = new Set<string>();
    input.capsules.forEach((capsule, capsuleIndex) => {
      const content = capsule.content.replace(/\s*\[\d+\]/g, '');
      const lead = leadOf(content);
      sentences(content).forEach((text, order) => {
        if (seen.has(text.toLowerCase())) return;
        seen.add(text.toLowerCase());
        found.push({ capsule: capsuleIndex, order, text, lead: order === 0 ? '' : lead });
      });
    });
    const none = { text: `No capsule you can read answers "${input.query}".`, citations: [], model: this.name };
    if (found.length === 0) return none;
    // A sentence is read with the label its capsule opens with, as search reads it (passagesOf).
    const [[query], vectors] = await Promise.all([embedQueries(embedder, [input.query]), embedder.embed(found.map((f) => f.lead + f.text))]);
    const margin = SENTENCE_MARGIN * (1 - floor);
    const cosines = found.map((_, i) => cosine(query as Float32Array, vectors[i] as Float32Array));
    const best = Math.max(...cosines);
    if (best < floor) return none;
    // A sentence of a capsule retrieval ranked lower must be nearer the question to take part: up to one
    // margin less for the lowest-scored capsule (scores are relative, the best capsule's 1).
    const top = Math.max(...input.capsules.map((c) => c.score), 0);
    const standing = (capsule: number) => (top > 0 ? Math.min(1, Math.max(0, (input.capsules[capsule] as RetrievedCapsule).score / top)) : 1);
    const scored = found
      .map((f, i) => ({ ...f, score: (cosines[i] as number) - margin * (1 - standing(f.capsule)) }))
      .filter((f, i) => (cosines[i] as number) >= floor)
      .sort((a, b) => b.score - a.score);
    const first = (scored[0] as (typeof scored)[number]).score;
    return compose(input, scored, first - margin, this.name);
  }

  private byTerms(input: AnswerInput): Answer {
    const queryTerms = new Set(terms(input.query));
    type Candidate = { capsule: number; order: number; text: string; terms: Set<string>; score: number };
    const candidates: Candidate[] = [];
    const seen = new Set<string>();
    input.capsules.forEach((capsule, capsuleIndex) => {
      // Citation markers of answers saved as capsules are not part of what they say.
      sentences(capsule.content.replace(/\s*\[\d+\]/g, '')).forEach((text, order) => {
        const key = text.toLowerCase();
        if (seen.has(key)) return;
        seen.add(key);
        const sentenceTerms = new Set(terms(text).filter((t) => queryTerms.has(t)));
        if (sentenceTerms.size > 0) candidates.push({ capsule: capsuleIndex, order, text, terms: sentenceTerms, score: 0 });
      });
    });
    if (candidates.length === 0) {
      return { text: `No capsule you can read answers "${input.query}".`, citations: [], model: this.name };
    }
    // A query term found in few sentences says more than one found everywhere (inverse document frequency).
    const df = new Map<string, number>();
    for (const c of candidates) for (const t of c.terms) df.set(t, (df.get(t) ?? 0) + 1);
    const topRetrieval = Math.max(...input.capsules.map((c) => c.score), Number.MIN_VALUE);
    for (const c of candidates) {
      for (const t of c.terms) c.score += Math.log(1 + candidates.length / (df.get(t) as number));
      // Sentences from better-retrieved capsules weigh more; the retrieval rank breaks ties.
      const retrieval = (input.capsules[c.capsule] as RetrievedCapsule).score / topRetrieval;
      c.score = c.score * (0.5 + 0.5 * retrieval) + 0.01 / (c.capsule + 1);
    }
    candidates.sort((a, b) => b.score - a.score);
    const floor = (candidates[0] as Candidate).score * 0.5;
    return compose(input, candidates, floor, this.name);
  }
}

/**
 * The answer from sentences ranked best first: those scoring at least `floor`, at most max_sentences from
 * at most max_citations capsules, put back in reading order and marked with the number of their capsule.
 */
function compose(input: AnswerInput, ranked: ReadonlyArray<{ capsule: number; order: number; text: string; score: number }>, floor: number, model: string): Answer {
  const chosen: Array<(typeof ranked)[number]> = [];
  const cited = new Set<number>();
  for (const c of ranked) {
    if (chosen.length >= input.parameters.max_sentences || c.score < floor) break;
    if (!cited.has(c.capsule) && cited.size >= input.parameters.max_citations) continue;
    cited.add(c.capsule);
    chosen.push(c);
  }
  chosen.sort((a, b) => a.capsule - b.capsule || a.order - b.order);
  const citations: string[] = [];
  const parts = chosen.map((c) => {
    const id = (input.capsules[c.capsule] as RetrievedCapsule).id;
    if (!citations.includes(id)) citations.push(id);
    return `${c.text} [${citations.indexOf(id) + 1}]`;
  });
  return { text: parts.join(' '), citations, model };
}

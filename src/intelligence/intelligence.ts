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
}

/** The intelligence port: retrieved capsules in, an answer with citations out. */
export interface Intelligence {
  readonly name: string;
  answer(input: AnswerInput): Promise<Answer>;
}

/**
 * Builds the answer from the retrieved capsules themselves: the sentences that share the most terms with
 * the query (weighted by the capsule's retrieval score), kept in reading order and marked with the index
 * of the capsule they came from. Nothing is invented, so every statement is traceable to a citation.
 */
export class ExtractiveIntelligence implements Intelligence {
  readonly name = 'extractive-v1';

  async answer(input: AnswerInput): Promise<Answer> {
    const queryTerms = new Set(terms(input.query));
    type Candidate = { capsule: number; order: number; text: string; score: number };
    const candidates: Candidate[] = [];
    input.capsules.forEach((capsule, capsuleIndex) => {
      sentences(capsule.content).forEach((text, order) => {
        const sentenceTerms = new Set(terms(text));
        let overlap = 0;
        for (const t of sentenceTerms) if (queryTerms.has(t)) overlap++;
        if (overlap === 0 && !(capsuleIndex === 0 && order === 0)) return;
        // Rank within capsules by overlap; across capsules, the retrieval rank breaks ties.
        const score = overlap / Math.sqrt(sentenceTerms.size + 1) + 1 / (capsuleIndex + 2);
        candidates.push({ capsule: capsuleIndex, order, text, score });
      });
    });
    if (candidates.length === 0) {
      return { text: `No capsule you can read answers "${input.query}".`, citations: [], model: this.name };
    }
    candidates.sort((a, b) => b.score - a.score);
    const chosen: Candidate[] = [];
    const cited = new Set<number>();
    for (const c of candidates) {
      if (chosen.length >= input.parameters.max_sentences) break;
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
    return { text: parts.join(' '), citations, model: this.name };
  }
}

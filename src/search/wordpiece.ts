import { readFileSync } from 'node:fs';

/**
 * BERT's tokenizer for uncased English models (MiniLM, BGE, E5): the basic tokenizer (clean the text,
 * lower-case it, strip accents, split on whitespace and punctuation, CJK characters on their own) then
 * WordPiece (greedy longest match, `##` for a word's continuation), as HuggingFace's BertTokenizer does,
 * read from a model's `tokenizer.json`.
 */
export class WordPieceTokenizer {
  private readonly vocab: ReadonlyMap<string, number>;
  readonly cls: number;
  readonly sep: number;
  readonly pad: number;
  private readonly unk: number;
  private readonly prefix: string;
  private readonly maxCharsPerWord: number;
  private readonly lowercase: boolean;
  /** Tokens a sequence may have, [CLS] and [SEP] included. */
  readonly maxLength: number;

  private constructor(spec: TokenizerSpec, maxLength: number | undefined) {
    this.vocab = new Map(Object.entries(spec.model.vocab));
    const id = (token: string) => {
      const found = this.vocab.get(token);
      if (found === undefined) throw new Error(`tokenizer.json has no ${token} token`);
      return found;
    };
    this.cls = id('[CLS]');
    this.sep = id('[SEP]');
    this.pad = id('[PAD]');
    this.unk = id(spec.model.unk_token ?? '[UNK]');
    this.prefix = spec.model.continuing_subword_prefix ?? '##';
    this.maxCharsPerWord = spec.model.max_input_chars_per_word ?? 100;
    this.lowercase = spec.normalizer?.lowercase ?? true;
    this.maxLength = maxLength ?? spec.truncation?.max_length ?? 512;
  }

  /** @throws Error when the file is not a WordPiece tokenizer */
  static fromFile(file: string, maxLength?: number): WordPieceTokenizer {
    const spec = JSON.parse(readFileSync(file, 'utf8')) as TokenizerSpec;
    if (spec.model?.type !== 'WordPiece') throw new Error(`${file}: a WordPiece tokenizer is needed, this one is ${spec.model?.type ?? 'unknown'}`);
    return new WordPieceTokenizer(spec, maxLength);
  }

  /** The basic tokenizer's words. */
  private words(text: string): string[] {
    let clean = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      if (cp === 0 || cp === 0xfffd || (isControl(ch) && !/\s/u.test(ch))) continue;
      clean += isCjk(cp) ? ` ${ch} ` : /\s/u.test(ch) ? ' ' : ch;
    }
    if (this.lowercase)
      clean = clean
        .toLowerCase()
        .normalize('NFD')
        .replace(/\p{Mn}/gu, '');
    const out: string[] = [];
    for (const piece of clean.split(' ')) {
      if (!piece) continue;
      let word = '';
      for (const ch of piece) {
        if (isPunctuation(ch)) {
          if (word) out.push(word);
          out.push(ch);
          word = '';
        } else word += ch;
      }
      if (word) out.push(word);
    }
    return out;
  }

  /** WordPiece ids of one word: longest match first; a word it cannot cover is [UNK]. */
  private pieces(word: string, into: number[]): void {
    const chars = [...word];
    if (chars.length > this.maxCharsPerWord) {
      into.push(this.unk);
      return;
    }
    const ids: number[] = [];
    for (let start = 0; start < chars.length;) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const piece = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        found = this.vocab.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) {
        into.push(this.unk);
        return;
      }
      ids.push(found);
      start = end;
    }
    into.push(...ids);
  }

  /** `[CLS] … [SEP]`, cut to `maxLength`. */
  encode(text: string): number[] {
    const ids: number[] = [this.cls];
    // Only the start of a long text can fit: a WordPiece token rarely spans more than 32 characters, so
    // the rest is never read (a 100,000-character capsule costs what its first few thousand do).
    for (const word of this.words(text.length > this.maxLength * 32 ? text.slice(0, this.maxLength * 32) : text)) {
      this.pieces(word, ids);
      if (ids.length >= this.maxLength - 1) break;
    }
    ids.length = Math.min(ids.length, this.maxLength - 1);
    ids.push(this.sep);
    return ids;
  }
}

interface TokenizerSpec {
  readonly normalizer?: { readonly lowercase?: boolean } | null;
  readonly truncation?: { readonly max_length?: number } | null;
  readonly model: {
    readonly type: string;
    readonly vocab: Record<string, number>;
    readonly unk_token?: string;
    readonly continuing_subword_prefix?: string;
    readonly max_input_chars_per_word?: number;
  };
}

function isControl(ch: string): boolean {
  return /\p{Cc}|\p{Cf}/u.test(ch);
}

/** BERT counts every non-alphanumeric ASCII character as punctuation, and Unicode's P* categories. */
function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(ch);
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

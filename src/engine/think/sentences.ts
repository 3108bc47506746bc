// Streamed LLM text arrives in arbitrary fragments; text-to-speech wants whole sentences, and the
// first one as early as possible. SentenceSplitter cuts at sentence ends it is sure about and holds
// back anything ambiguous until more text (or the end of the stream) decides it.

/** Words whose trailing period never ends a sentence ("Dr. Lee", "e.g. flu"). Compared lowercased, without the final period. */
const ABBREVIATIONS = new Set([
  'dr', 'mr', 'mrs', 'ms', 'mx', 'prof', 'sr', 'jr', 'st', 'ave', 'blvd', 'rd', 'mt', 'ft', 'vs', 'etc',
  'e.g', 'i.e', 'approx', 'apt', 'dept', 'est', 'inc', 'ltd', 'co', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul',
  'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'mon', 'tue', 'tues', 'wed', 'thu', 'thur', 'thurs', 'fri', 'sat', 'sun',
]);

/** Abbreviations that end a sentence when the next word is capitalised ("See you at 9 a.m. Bye."). */
const SENTENCE_FINAL_ABBREVIATIONS = new Set(['a.m', 'p.m', 'etc']);

export interface SentenceSplitterOptions {
  /** A sentence longer than this is cut at its last comma or space, so speech never waits on a run-on. */
  maxChars?: number;
}

export class SentenceSplitter {
  #buffer = '';
  readonly #maxChars: number;

  constructor(options: SentenceSplitterOptions = {}) {
    this.#maxChars = options.maxChars ?? 250;
  }

  /** Adds a fragment; returns the sentences it completed, trimmed, in order. */
  push(fragment: string): string[] {
    this.#buffer += fragment;
    const sentences: string[] = [];
    for (;;) {
      const cut = findSentenceEnd(this.#buffer) ?? this.#forcedCut();
      if (cut === undefined) break;
      const sentence = this.#buffer.slice(0, cut).trim();
      this.#buffer = this.#buffer.slice(cut);
      if (sentence) sentences.push(sentence);
    }
    return sentences;
  }

  /** The text left over at the end of the stream, as sentences (usually zero or one). */
  flush(): string[] {
    const rest = this.#buffer.trim();
    this.#buffer = '';
    return rest ? [rest] : [];
  }

  #forcedCut(): number | undefined {
    if (this.#buffer.length <= this.#maxChars) return undefined;
    const head = this.#buffer.slice(0, this.#maxChars);
    const comma = Math.max(head.lastIndexOf(', '), head.lastIndexOf('; '));
    if (comma > 0) return comma + 1;
    const space = head.lastIndexOf(' ');
    return space > 0 ? space : this.#maxChars;
  }
}

/** Splits a complete text into sentences. */
export function splitSentences(text: string): string[] {
  const splitter = new SentenceSplitter();
  return [...splitter.push(text), ...splitter.flush()];
}

/**
 * Index just past the first certain sentence end in `text`, or undefined. A terminator only counts once
 * the character after it (and its closing quotes) is known to be whitespace: "3." may become "3.5".
 */
function findSentenceEnd(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      if (text.slice(0, i).trim()) return i + 1;
      continue;
    }
    if (ch !== '.' && ch !== '!' && ch !== '?') continue;
    let end = i + 1;
    while (end < text.length && '.!?'.includes(text[end]!)) end++;
    while (end < text.length && `"')]”’`.includes(text[end]!)) end++;
    if (end >= text.length) return undefined;
    if (!/\s/.test(text[end]!)) {
      i = end - 1;
      continue;
    }
    if (ch === '.' && end === i + 1 && !periodEndsSentence(text, i)) continue;
    return end;
  }
  return undefined;
}

function periodEndsSentence(text: string, periodIndex: number): boolean {
  const word = /(\S+)$/.exec(text.slice(0, periodIndex))?.[1] ?? '';
  const bare = word.replace(/^[("'“‘]+/, '').toLowerCase();
  // A single initial ("J. Smith") reads as part of a name.
  if (/^[a-z]$/i.test(bare)) return false;
  if (SENTENCE_FINAL_ABBREVIATIONS.has(bare)) {
    const next = /^\s*(\S)/.exec(text.slice(periodIndex + 1))?.[1];
    if (next === undefined) return false;
    return next !== next.toLowerCase();
  }
  return !ABBREVIATIONS.has(bare);
}

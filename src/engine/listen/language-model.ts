// A small back-off n-gram model in ARPA format, built from what the agent expects to hear. Absolute
// discounting (the discount estimated from counts of counts) with back-off weights that make every
// context's distribution sum to one; unigrams get add-one smoothing so no vocabulary word is impossible.

export const SENTENCE_START = '<s>';
export const SENTENCE_END = '</s>';
// ARPA's "log10 of zero": pocketsphinx treats it as impossible. Only <s> has it (never predicted).
const LOG_ZERO = -99;

export interface LanguageModelOptions {
  /** 2 (bigram) or 3 (trigram). */
  order: number;
}

export const DEFAULT_LM_OPTIONS: LanguageModelOptions = { order: 3 };

export interface LanguageModel {
  /** ARPA text for pocketsphinx (`-lm file.arpa`). */
  arpa: string;
  /** Words the model can produce, sorted, without <s> and </s>. */
  vocabulary: string[];
}

type Counts = Map<string, number>;

/**
 * @param sentences each one a list of words already in spoken form and in the recogniser's dictionary
 *   (repeat a sentence to weigh it more).
 */
export function buildLanguageModel(sentences: readonly (readonly string[])[], options: Partial<LanguageModelOptions> = {}): LanguageModel {
  const { order } = { ...DEFAULT_LM_OPTIONS, ...options };
  if (order < 1 || order > 3 || !Number.isInteger(order)) throw new RangeError(`language model order ${order} is not 1-3`);
  const usable = sentences.filter((s) => s.length > 0);
  if (usable.length === 0) throw new Error('a language model needs at least one non-empty sentence');

  // counts[k] holds the (k+1)-grams, keyed by words joined with spaces.
  const counts: Counts[] = Array.from({ length: order }, () => new Map());
  for (const sentence of usable) {
    const words = [SENTENCE_START, ...sentence, SENTENCE_END];
    for (let n = 1; n <= order; n++) {
      for (let i = 0; i + n <= words.length; i++) {
        const key = words.slice(i, i + n).join(' ');
        counts[n - 1]!.set(key, (counts[n - 1]!.get(key) ?? 0) + 1);
      }
    }
  }
  // <s> starts every sentence but is never predicted; only its back-off weight matters.
  counts[0]!.delete(SENTENCE_START);

  const logProb: Map<string, number>[] = counts.map(() => new Map());
  const logBackoff: Map<string, number>[] = counts.map(() => new Map());

  const unigrams = counts[0]!;
  const total = [...unigrams.values()].reduce((a, b) => a + b, 0);
  for (const [word, c] of unigrams) logProb[0]!.set(word, Math.log10((c + 1) / (total + unigrams.size)));

  // Probability of the last word given the others, backing off through the tables built so far.
  const prob = (words: string[]): number => {
    const n = words.length;
    const key = words.join(' ');
    const direct = logProb[n - 1]!.get(key);
    if (direct !== undefined) return 10 ** direct;
    if (n === 1) return 0;
    const context = words.slice(0, -1).join(' ');
    return 10 ** (logBackoff[n - 2]!.get(context) ?? 0) * prob(words.slice(1));
  };

  for (let n = 2; n <= order; n++) {
    const table = counts[n - 1]!;
    const discount = estimateDiscount(table);
    const contexts = new Map<string, { total: number; followers: string[] }>();
    for (const [key, c] of table) {
      const cut = key.lastIndexOf(' ');
      const context = key.slice(0, cut);
      const entry = contexts.get(context) ?? { total: 0, followers: [] };
      entry.total += c;
      entry.followers.push(key.slice(cut + 1));
      contexts.set(context, entry);
    }
    for (const [key, c] of table) {
      const context = key.slice(0, key.lastIndexOf(' '));
      logProb[n - 1]!.set(key, Math.log10((c - discount) / contexts.get(context)!.total));
    }
    for (const [context, { total: contextTotal, followers }] of contexts) {
      const leftOver = (discount * followers.length) / contextTotal;
      const shorter = context.split(' ').slice(1);
      const lowerMassSeen = followers.reduce((sum, w) => sum + prob([...shorter, w]), 0);
      const alpha = leftOver / Math.max(1e-9, 1 - lowerMassSeen);
      logBackoff[n - 2]!.set(context, Math.log10(alpha));
    }
  }
  logProb[0]!.set(SENTENCE_START, LOG_ZERO);

  return { arpa: formatArpa(logProb, logBackoff), vocabulary: [...unigrams.keys()].filter((w) => w !== SENTENCE_END).sort() };
}

// Ney's estimate D = n1 / (n1 + 2 n2), kept in a sane range for tiny corpora.
function estimateDiscount(table: Counts): number {
  let n1 = 0;
  let n2 = 0;
  for (const c of table.values()) {
    if (c === 1) n1++;
    else if (c === 2) n2++;
  }
  const d = n1 + n2 === 0 ? 0.5 : n1 / (n1 + 2 * n2);
  return Math.min(0.9, Math.max(0.1, d));
}

function formatArpa(logProb: Map<string, number>[], logBackoff: Map<string, number>[]): string {
  const lines = ['\\data\\'];
  logProb.forEach((table, i) => lines.push(`ngram ${i + 1}=${table.size}`));
  logProb.forEach((table, i) => {
    lines.push('', `\\${i + 1}-grams:`);
    const keys = [...table.keys()].sort();
    for (const key of keys) {
      const backoff = i < logProb.length - 1 ? logBackoff[i]!.get(key) : undefined;
      lines.push(`${table.get(key)!.toFixed(4)}\t${key}` + (backoff === undefined ? '' : `\t${backoff.toFixed(4)}`));
    }
  });
  lines.push('', '\\end\\', '');
  return lines.join('\n');
}

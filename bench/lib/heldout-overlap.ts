// How held out the held-out sentences really are: which of them the engine's tuning material already
// contains, whole or as a run of words. Checked on every run, because that material grows.
import { spokenWords } from '../../src/engine/listen/spoken-text.js';

export interface Overlap {
  /** Held-out sentences whose spoken words equal a tuning phrase. */
  identical: string[];
  /** Held-out sentences containing a whole tuning phrase of at least `minRun` words. */
  containing: Array<{ sentence: string; phrase: string }>;
  /** Share of the held-out word 4-grams that occur anywhere in the tuning material. */
  fourGramShare: number;
}

export function overlapWithTuning(heldOut: readonly string[], tuning: readonly string[], minRun = 5): Overlap {
  const tuningWords = tuning.map((t) => spokenWords(t)).filter((w) => w.length > 0);
  const tuningSet = new Set(tuningWords.map((w) => w.join(' ')));
  const tuningFourGrams = new Set(tuningWords.flatMap((w) => nGrams(w, 4)));
  const longPhrases = [...new Set(tuningWords.filter((w) => w.length >= minRun).map((w) => w.join(' ')))];
  const identical: string[] = [];
  const containing: Overlap['containing'] = [];
  let fourGrams = 0;
  let shared = 0;
  for (const sentence of heldOut) {
    const words = spokenWords(sentence);
    const joined = ` ${words.join(' ')} `;
    if (tuningSet.has(words.join(' '))) identical.push(sentence);
    const phrase = longPhrases.find((p) => joined.includes(` ${p} `));
    if (phrase) containing.push({ sentence, phrase });
    for (const gram of nGrams(words, 4)) {
      fourGrams++;
      if (tuningFourGrams.has(gram)) shared++;
    }
  }
  return { identical, containing, fourGramShare: fourGrams === 0 ? 0 : shared / fourGrams };
}

function nGrams(words: readonly string[], n: number): string[] {
  return Array.from({ length: Math.max(0, words.length - n + 1) }, (_, i) => words.slice(i, i + n).join(' '));
}

// The CMU pronouncing dictionary shipped with Debian's pocketsphinx-en-us. Recognisers load a small
// sub-dictionary of just their language model's words: a decoder initialises in a fraction of the time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const CMUDICT_PATH = join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict');

export class PronunciationDictionary {
  private constructor(private readonly lines: Map<string, string[]>) {}

  /** Parses a pocketsphinx dictionary: `word PH O N E S`, alternates written `word(2) ...`. */
  static parse(text: string): PronunciationDictionary {
    const lines = new Map<string, string[]>();
    for (const line of text.split('\n')) {
      const space = line.indexOf(' ');
      if (space <= 0) continue;
      const word = line.slice(0, space).replace(/\(\d+\)$/, '');
      const entry = lines.get(word);
      if (entry) entry.push(line);
      else lines.set(word, [line]);
    }
    return new PronunciationDictionary(lines);
  }

  static load(path = CMUDICT_PATH): PronunciationDictionary {
    return PronunciationDictionary.parse(readFileSync(path, 'utf8'));
  }

  has(word: string): boolean {
    return this.lines.has(word);
  }

  /** Dictionary text for just these words (all their pronunciations). */
  subset(words: Iterable<string>): string {
    const out: string[] = [];
    for (const word of words) out.push(...(this.lines.get(word) ?? []));
    return out.join('\n') + '\n';
  }
}

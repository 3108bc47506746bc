// A name spelled out letter by letter, the way callers do when a name is not understood: plain
// letters ("g o n z a l e z"), the phonetic alphabet ("golf oscar november"), or a letter and a word
// that starts with it ("g as in george"). Mixed freely; other words around the spelling are ignored.
import { capitalizeNameWord } from './names.js';

/** The ICAO/NATO alphabet, with the spellings recognisers and people use for a few of its words. */
export const PHONETIC_ALPHABET: ReadonlyMap<string, string> = new Map([
  ['alpha', 'a'], ['alfa', 'a'], ['bravo', 'b'], ['charlie', 'c'], ['delta', 'd'], ['echo', 'e'], ['foxtrot', 'f'],
  ['golf', 'g'], ['hotel', 'h'], ['india', 'i'], ['juliet', 'j'], ['juliett', 'j'], ['kilo', 'k'], ['lima', 'l'],
  ['mike', 'm'], ['november', 'n'], ['oscar', 'o'], ['papa', 'p'], ['quebec', 'q'], ['romeo', 'r'], ['sierra', 's'],
  ['tango', 't'], ['uniform', 'u'], ['victor', 'v'], ['whiskey', 'w'], ['whisky', 'w'], ['x-ray', 'x'], ['xray', 'x'],
  ['yankee', 'y'], ['zulu', 'z'],
]);

/** Recognisers write some letters as the words that sound like them. */
const LETTER_HOMOPHONES: ReadonlyMap<string, string> = new Map([
  ['bee', 'b'], ['see', 'c'], ['sea', 'c'], ['dee', 'd'], ['gee', 'g'], ['jay', 'j'], ['kay', 'k'], ['oh', 'o'],
  ['pea', 'p'], ['pee', 'p'], ['queue', 'q'], ['cue', 'q'], ['are', 'r'], ['tea', 't'], ['tee', 't'], ['you', 'u'],
  ['vee', 'v'], ['why', 'y'], ['zee', 'z'], ['zed', 'z'], ['as', 's'], ['es', 's'], ["it's", 's'], ['eight', 'h'],
]);

/** Fewer letters than this in a row is not a spelling ("a", "i" and "o" are everyday words). */
const MIN_LETTERS = 3;

/**
 * The longest run of spelled letters in the tokens, capitalised ("Gonzalez"), if it has at least three
 * letters. Typed spellings ("g-o-n-z") arrive as one hyphenated token and count letter by letter.
 */
export function findSpelling(words: readonly string[]): string | undefined {
  const tokens = words.flatMap((w) => (/^[a-z](-[a-z])+-?$/.test(w) ? w.split('-').filter(Boolean) : [w]));
  let best = '';
  for (let i = 0; i < tokens.length; ) {
    const run = spelledRun(tokens, i);
    if (!run) {
      i++;
      continue;
    }
    if (run.letters.length > best.length) best = run.letters;
    i = run.end;
  }
  return best.length >= MIN_LETTERS ? capitalizeNameWord(best) : undefined;
}

function spelledRun(tokens: readonly string[], start: number): { letters: string; end: number } | undefined {
  let letters = '';
  let i = start;
  for (;;) {
    const read = letterAt(tokens, i, letters.length > 0);
    if (!read) break;
    letters += read.letter;
    i = read.next;
  }
  return letters ? { letters, end: i } : undefined;
}

/** Homophones count only inside a spelling already begun, so "you" or "are" alone never start one. */
function letterAt(tokens: readonly string[], i: number, inSpelling: boolean): { letter: string; next: number } | undefined {
  const word = tokens[i];
  if (word === undefined) return undefined;
  // "as" is the letter s unless it begins "as in".
  const homophone = inSpelling && !(word === 'as' && tokens[i + 1] === 'in') ? LETTER_HOMOPHONES.get(word) : undefined;
  const letter = /^[a-z]$/.test(word) ? word : PHONETIC_ALPHABET.get(word) ?? homophone;
  if (!letter) return undefined;
  // "g as in george", "s for sam": the example word confirms the letter and is skipped.
  const example = tokens[i + 1] === 'as' && tokens[i + 2] === 'in' ? i + 3 : tokens[i + 1] === 'for' ? i + 2 : undefined;
  if (example !== undefined && tokens[example]?.startsWith(letter)) return { letter, next: example + 1 };
  return { letter, next: i + 1 };
}

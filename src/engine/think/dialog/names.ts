// Names as callers give them: "my name is john smith", "this is mary o'brien", or just "john smith"
// when asked. The recogniser cannot tell names from other words, so a name is a short run of words
// that are not everyday vocabulary, after a cue; without a cue only when the name was just asked for.
import { MONTHS, WEEKDAYS } from './calendar.js';
import { findPhrase, readNumber } from './words.js';

export interface NameMention {
  /** Capitalised: "John Smith", "Mary O'Brien", "Ann McDonald". */
  name: string;
  words: number;
  start: number;
  end: number;
}

/** Cues that introduce a name wherever they occur. */
const STRONG_CUES = [
  'my name is', "my name's", 'name is', "name's", 'the name',
  'patient is', "patient's name is", 'patients name is', 'full name is', 'under',
];
/**
 * Cues that often introduce other things ("it's for tuesday", "i'm calling"): trusted when the name
 * was asked for or at the very start, elsewhere only before a first and last name ("... for john smith").
 */
const WEAK_CUES = ['this is', "it's", 'it is', 'its', "i'm", 'i am', 'call me', 'for'];

const MAX_NAME_WORDS = 3;

/** Everyday words that end (or rule out) a name. Months and weekdays are added below. */
const NOT_NAMES = new Set(
  `a about actually again ago also am an and any anything appointment appointments are around as ask at available
  back be because been before being book booking born but by bye calling can cancel change check come coming could
  daughter date day days did do doctor does doing don't done down each else every fine first for free from get
  getting give go going good got had has have having he her here hers him his hi hello hey how i i'd i'll i'm i've
  if in into is it it's its just know last let like looking make me mine mind morning afternoon evening my myself
  name need needs new next no not now of off oh ok okay on one only or our out over patient please pm am really
  reschedule right said same say schedule see she should so some someone something son sorry speak still sure
  than thank thanks that that's the their them then there these they this those time to today tomorrow too trying
  uh um up us very want wanted was way we week well were what when where which who why will with wondering would
  yeah yes yep you your husband wife mother father mom dad child kid baby calling call speaking here's thats
  appointment's doctor's office clinic visit checkup check-up sick feeling pain urgent emergency ready afraid
  just hoping able interested correct wrong birth birthday dob uh um umm hmm hm er erm ah eh mm huh uh-huh mhm`
    .split(/\s+/)
    .filter(Boolean)
    .concat(MONTHS, WEEKDAYS),
);

export function isNameWord(token: string | undefined): boolean {
  return (
    token !== undefined &&
    /^[a-z][a-z'-]+$/.test(token) &&
    !NOT_NAMES.has(token) &&
    readNumber([token], 0) === undefined
  );
}

/**
 * The caller's name, if they said one. `expectingName` lets a bare "john smith" (and the weak cues)
 * count, because the name was the question just asked.
 */
export function findName(tokens: readonly string[], expectingName: boolean): NameMention | undefined {
  for (const cue of STRONG_CUES) {
    const found = nameAfterCue(tokens, cue, () => true);
    if (found) return found;
  }
  for (const cue of WEAK_CUES) {
    const found = nameAfterCue(tokens, cue, (at) => expectingName || (at <= 1 && cue !== 'for'));
    if (found) return found;
  }
  for (const cue of WEAK_CUES) {
    const found = nameAfterCue(tokens, cue, () => true);
    if (found && found.words >= 2) return found;
  }
  if (!expectingName) return undefined;
  // No cue: the answer itself is the name, perhaps after a filler ("yeah it's ..." is a cue above).
  let start = 0;
  while (start < tokens.length && start < 3 && !isNameWord(tokens[start])) start++;
  return nameRun(tokens, start);
}

function nameAfterCue(tokens: readonly string[], cue: string, trusted: (at: number) => boolean): NameMention | undefined {
  for (let at = findPhrase(tokens, cue); at !== -1; at = findPhrase(tokens, cue, at + 1)) {
    if (!trusted(at)) continue;
    const found = nameRun(tokens, at + cue.split(' ').length);
    if (found) return found;
  }
  return undefined;
}

function nameRun(tokens: readonly string[], start: number): NameMention | undefined {
  let end = start;
  while (end < tokens.length && end - start < MAX_NAME_WORDS && isNameWord(tokens[end])) end++;
  if (end === start) return undefined;
  const words = tokens.slice(start, end);
  return { name: words.map(capitalizeNameWord).join(' '), words: words.length, start, end };
}

/** "o'brien" -> "O'Brien", "mcdonald" -> "McDonald", "smith-jones" -> "Smith-Jones". */
export function capitalizeNameWord(word: string): string {
  const upper = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  return word
    .split('-')
    .map((part) => {
      if (/^o'[a-z]/.test(part)) return `O'${upper(part.slice(2))}`;
      if (/^mc[a-z]{2,}/.test(part)) return `Mc${upper(part.slice(2))}`;
      return upper(part);
    })
    .join('-');
}

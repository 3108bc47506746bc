// Caller text as the dialog reads it: pocketsphinx hypotheses are lowercase words without
// punctuation ("two thirty p m"), typed text (the softphone, tests) may have digits and punctuation.
// Both become the same token list, so every parser below handles one form only.

/** Lowercase word tokens with recognition and spelling variants folded together. */
export function tokenize(text: string): string[] {
  const folded = text
    .toLowerCase()
    .replace(/\(\d+\)/g, ' ') // pocketsphinx alternate-pronunciation markers: "the(2)"
    .replace(/[’‘]/g, "'")
    .replace(/\b([ap])\s*\.\s*m\b\.?/g, ' $1m ')
    .replace(/\bo\s*'?\s*clock\b/g, ' oclock ')
    .replace(/\bcan\s*'?\s*t\b|\bcannot\b/g, ' can not ')
    .replace(/\bwon\s*'?\s*t\b/g, ' will not ')
    .replace(/\b(\d{1,2}):(\d{2})\b/g, ' $1:$2 ')
    .replace(/\b(\d{1,4})[/-](\d{1,2})[/-](\d{1,4})\b/g, ' $1/$2/$3 ')
    .replace(/[^a-z0-9':/\s-]+/g, ' ')
    .replace(/(^|\s)['-]+|['-]+(?=\s|$)/g, ' ');
  // Hyphens stay in names ("smith-jones", "uh-huh") but not in numbers ("eighty-four", "twenty-first").
  const raw = folded
    .split(/\s+/)
    .flatMap((w) => (w.includes('-') && w.split('-').some((part) => readNumber([part], 0) !== undefined) ? w.split('-') : [w]))
    .filter(Boolean);
  const tokens: string[] = [];
  for (const word of raw) {
    const previous = tokens[tokens.length - 1];
    // "p m" always means the time of day; "a m" only right after a number ("ten a m", not "a m r i").
    if (word === 'm' && (previous === 'p' || (previous === 'a' && isNumberish(tokens[tokens.length - 2])))) {
      tokens[tokens.length - 1] = `${previous}m`;
    } else {
      tokens.push(word);
    }
  }
  return tokens;
}

function isNumberish(token: string | undefined): boolean {
  return token !== undefined && (/^\d/.test(token) || CARDINAL_VALUES.has(token) || token === 'oclock');
}

/** True when `phrase` (space-separated tokens) occurs in `tokens` as consecutive whole words. */
export function hasPhrase(tokens: readonly string[], phrase: string): boolean {
  return findPhrase(tokens, phrase) !== -1;
}

export function findPhrase(tokens: readonly string[], phrase: string, from = 0): number {
  const words = phrase.split(' ');
  outer: for (let i = from; i + words.length <= tokens.length; i++) {
    for (let j = 0; j < words.length; j++) if (tokens[i + j] !== words[j]) continue outer;
    return i;
  }
  return -1;
}

export function hasAnyPhrase(tokens: readonly string[], phrases: readonly string[]): boolean {
  return phrases.some((p) => hasPhrase(tokens, p));
}

// ---- numbers ----------------------------------------------------------------------------------

export const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
export const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
export const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const ORDINAL_ONES = ['zeroth', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'];
const ORDINAL_TEENS = ['tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth'];
const ORDINAL_TENS = ['', '', 'twentieth', 'thirtieth', 'fortieth', 'fiftieth', 'sixtieth', 'seventieth', 'eightieth', 'ninetieth'];

const CARDINAL_VALUES = new Map<string, number>([
  ...ONES.map((w, i) => [w, i] as const),
  ...TEENS.map((w, i) => [w, 10 + i] as const),
  ...TENS.map((w, i) => [w, 10 * i] as const).filter(([w]) => w),
]);
const ORDINAL_VALUES = new Map<string, number>([
  ...ORDINAL_ONES.map((w, i) => [w, i] as const),
  ...ORDINAL_TEENS.map((w, i) => [w, 10 + i] as const),
  ...ORDINAL_TENS.map((w, i) => [w, 10 * i] as const).filter(([w]) => w),
  // recognition variants
  ['fift', 5],
  ['twelveth', 12],
  ['ninteenth', 19],
]);

/**
 * Number words the recogniser writes as their homophones ("too thirty", "nineteen eighty for").
 * Read as numbers only where a number is certain to follow from the context, never on their own.
 */
const HOMOPHONES = new Map([['to', 2], ['too', 2], ['for', 4], ['won', 1], ['ate', 8]]);

export interface NumberRead {
  value: number;
  /** Index just past the last token read. */
  next: number;
  ordinal: boolean;
}

/**
 * Reads 0-99 spelled out ("forty", "forty two", "twenty first") or as digits ("42", "21st").
 * With `homophones`, "to", "for", "won", "ate" count too (the caller checks the context).
 */
export function readNumber(tokens: readonly string[], i: number, homophones = false): NumberRead | undefined {
  const word = tokens[i];
  if (word === undefined) return undefined;
  const homophone = homophones ? HOMOPHONES.get(word) : undefined;
  if (homophone !== undefined) return { value: homophone, next: i + 1, ordinal: false };
  const digits = /^(\d{1,2})(st|nd|rd|th)?$/.exec(word);
  if (digits) return { value: Number(digits[1]), next: i + 1, ordinal: digits[2] !== undefined };
  const ordinal = ORDINAL_VALUES.get(word);
  if (ordinal !== undefined) return { value: ordinal, next: i + 1, ordinal: true };
  const cardinal = CARDINAL_VALUES.get(word);
  if (cardinal === undefined) return undefined;
  if (cardinal >= 20 && cardinal % 10 === 0) {
    const unitWord = tokens[i + 1];
    const unit = unitWord === undefined
      ? undefined
      : (CARDINAL_VALUES.get(unitWord) ?? ORDINAL_VALUES.get(unitWord) ?? (homophones ? HOMOPHONES.get(unitWord) : undefined));
    if (unit !== undefined && unit >= 1 && unit <= 9) {
      return { value: cardinal + unit, next: i + 2, ordinal: ORDINAL_VALUES.has(unitWord!) };
    }
  }
  return { value: cardinal, next: i + 1, ordinal: false };
}

/**
 * Reads a four-digit year: "nineteen eighty four", "twenty twenty five", "twenty oh five",
 * "two thousand five", "two thousand and twelve", "nineteen hundred", "1984".
 */
export function readYear(tokens: readonly string[], i: number): { value: number; next: number } | undefined {
  const word = tokens[i];
  if (word === undefined) return undefined;
  if (/^(19|20)\d\d$/.test(word)) return { value: Number(word), next: i + 1 };
  if (word === 'two' && tokens[i + 1] === 'thousand') {
    let j = i + 2;
    if (tokens[j] === 'and') j++;
    const rest = readNumber(tokens, j);
    if (rest && !rest.ordinal) return { value: 2000 + rest.value, next: rest.next };
    return { value: 2000, next: i + 2 };
  }
  const century = word === 'nineteen' ? 19 : word === 'twenty' ? 20 : undefined;
  if (century === undefined) return undefined;
  const next = tokens[i + 1];
  if (next === 'hundred') return { value: century * 100, next: i + 2 };
  if ((next === 'oh' || next === 'o' || next === 'zero') && tokens[i + 2] !== undefined) {
    const unit = CARDINAL_VALUES.get(tokens[i + 2]!);
    if (unit !== undefined && unit >= 1 && unit <= 9) return { value: century * 100 + unit, next: i + 3 };
  }
  const rest = readNumber(tokens, i + 1, true);
  if (rest && !rest.ordinal && rest.value >= 10 && /^[a-z]/.test(tokens[i + 1]!)) {
    return { value: century * 100 + rest.value, next: rest.next };
  }
  return undefined;
}

/** "twenty one" for 21: the words the parsers above read back. */
export function numberWords(n: number): string {
  if (n < 10) return ONES[n]!;
  if (n < 20) return TEENS[n - 10]!;
  const tens = TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? tens : `${tens} ${ONES[n % 10]}`;
}

/** "twenty first" for 21. */
export function ordinalWords(n: number): string {
  if (n < 10) return ORDINAL_ONES[n]!;
  if (n < 20) return ORDINAL_TEENS[n - 10]!;
  if (n % 10 === 0) return ORDINAL_TENS[n / 10]!;
  return `${TENS[Math.floor(n / 10)]} ${ORDINAL_ONES[n % 10]}`;
}

/** "nineteen eighty four", "two thousand five", "twenty twenty five". */
export function yearWords(year: number): string {
  const century = Math.floor(year / 100);
  const rest = year % 100;
  if (year >= 2000 && year < 2010) return rest === 0 ? 'two thousand' : `two thousand ${ONES[rest]}`;
  if (rest === 0) return `${numberWords(century)} hundred`;
  return `${numberWords(century)} ${rest < 10 ? `oh ${ONES[rest]}` : numberWords(rest)}`;
}

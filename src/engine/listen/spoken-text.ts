// Written text to the words a caller would say: "Dr. Lee, 3/5 at 2:30pm" -> "doctor lee ... two thirty p m".
// The recogniser's language model and its output live in this spoken, lower-case, digit-free form.

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const ORDINAL_OF: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** Cardinal words for 0-9999 the way people say them ("nineteen eighty five" for 1985 is yearWords). */
export function numberWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) throw new RangeError(`numberWords: ${n} is outside 0-9999`);
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? ` ${ONES[n % 10]}` : '');
  if (n < 1000) return `${ONES[Math.floor(n / 100)]} hundred` + (n % 100 ? ` ${numberWords(n % 100)}` : '');
  return `${numberWords(Math.floor(n / 1000))} thousand` + (n % 1000 ? ` ${numberWords(n % 1000)}` : '');
}

export function ordinalWords(n: number): string {
  const words = numberWords(n).split(' ');
  const last = words.pop()!;
  const ordinal = ORDINAL_OF[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return [...words, ordinal].join(' ');
}

/** 1985 -> "nineteen eighty five", 2005 -> "two thousand five", 2019 -> "twenty nineteen". */
export function yearWords(year: number): string {
  if (year >= 2000 && year < 2010) return numberWords(year);
  const hi = Math.floor(year / 100);
  const lo = year % 100;
  return `${numberWords(hi)} ${lo === 0 ? 'hundred' : lo < 10 ? `oh ${ONES[lo]}` : numberWords(lo)}`;
}

function timeWords(hour: number, minute: number, meridiem: string | undefined): string {
  const ampm = meridiem ? ` ${meridiem[0]} m` : '';
  const minutes = minute === 0 ? (ampm ? '' : " o'clock") : minute < 10 ? ` oh ${ONES[minute]}` : ` ${numberWords(minute)}`;
  return ` ${numberWords(hour)}${minutes}${ampm} `;
}

const ABBREVIATIONS: [RegExp, string][] = [
  [/\bdr\./g, 'doctor '],
  [/\bmr\./g, 'mister '],
  [/\bmrs\./g, 'missus '],
  [/\bms\./g, 'miz '],
  [/&/g, ' and '],
  [/%/g, ' percent '],
  [/\+/g, ' plus '],
];

/** Lower-case spoken words, numbers spelled out, punctuation gone (apostrophes inside words kept). */
export function spokenWords(text: string): string[] {
  let s = ` ${text.toLowerCase()} `;
  for (const [pattern, replacement] of ABBREVIATIONS) s = s.replace(pattern, replacement);
  s = s.replace(/\b(\d{1,2}):(\d{2})\s*([ap])\.?\s?m\b\.?/g, (_, h, m, ap: string) => timeWords(+h, +m, ap));
  s = s.replace(/\b(\d{1,2}):(\d{2})\b/g, (_, h, m) => timeWords(+h, +m, undefined));
  s = s.replace(/\b(\d{1,2})\s*([ap])\.?\s?m\b\.?/g, (_, h, ap: string) => timeWords(+h, 0, ap));
  s = s.replace(/\b(\d+)(st|nd|rd|th)\b/g, (_, n) => ` ${ordinalWords(+n)} `);
  s = s.replace(/\b(1[2-9]\d\d|20\d\d)\b/g, (_, y) => ` ${yearWords(+y)} `);
  // Longer digit runs are phone or account numbers: said digit by digit.
  s = s.replace(/\d+/g, (d: string) => ` ${d.length > 4 ? [...d].map((c) => ONES[+c]).join(' ') : numberWords(+d)} `);
  return s
    .replace(/[^a-z']+/g, ' ')
    .split(' ')
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

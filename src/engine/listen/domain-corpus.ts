// Generic material every phone agent's language model gets besides its own expected phrases: the
// answers, names, numbers, dates and times callers say whatever the agent is for.
import { PHONETIC_ALPHABET } from '../think/dialog/spelling.js';
import { numberWords, ordinalWords, yearWords } from './spoken-text.js';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october',
  'november', 'december'];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const FIRST_NAMES = ['james', 'mary', 'john', 'patricia', 'robert', 'jennifer', 'michael', 'linda', 'william',
  'elizabeth', 'david', 'barbara', 'richard', 'susan', 'joseph', 'jessica', 'thomas', 'sarah', 'charles', 'karen',
  'christopher', 'nancy', 'daniel', 'lisa', 'matthew', 'betty', 'anthony', 'margaret', 'mark', 'sandra', 'donald',
  'ashley', 'steven', 'emily', 'paul', 'donna', 'andrew', 'michelle', 'joshua', 'carol', 'kevin', 'amanda', 'brian',
  'melissa', 'george', 'deborah', 'edward', 'stephanie', 'ronald', 'rebecca', 'timothy', 'laura', 'jason', 'sharon',
  'jeffrey', 'cynthia', 'ryan', 'kathleen', 'jacob', 'amy', 'gary', 'anna', 'nicholas', 'emma', 'eric', 'olivia',
  'maria', 'jose', 'juan', 'carlos', 'luis', 'ana', 'sophia', 'priya', 'raj', 'wei', 'chen', 'ali', 'fatima'];
const LAST_NAMES = ['smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez',
  'martinez', 'hernandez', 'lopez', 'gonzalez', 'wilson', 'anderson', 'thomas', 'taylor', 'moore', 'jackson',
  'martin', 'lee', 'perez', 'thompson', 'white', 'harris', 'sanchez', 'clark', 'ramirez', 'lewis', 'robinson',
  'walker', 'young', 'allen', 'king', 'wright', 'scott', 'torres', 'nguyen', 'hill', 'flores', 'green', 'adams',
  'nelson', 'baker', 'hall', 'rivera', 'campbell', 'mitchell', 'carter', 'roberts', 'patel', 'kim', 'chen', 'wong',
  'cohen', 'murphy', 'kelly', 'cooper', 'reed', 'cook'];
const ANSWERS = ['yes', 'no', 'yeah', 'yep', 'nope', 'yes please', 'no thank you', 'no thanks', 'okay', 'ok', 'sure',
  'of course', 'that works', 'that works for me', "that's right", 'that is correct', 'correct', 'right',
  'sounds good', 'perfect', 'great', 'thank you', 'thank you very much', 'thanks', 'goodbye', 'bye', 'hello', 'hi',
  'good morning', 'good afternoon', "i don't know", "i'm not sure", 'maybe', 'wait', 'hold on', 'sorry',
  'can you repeat that', 'say that again please', "that's all", 'nothing else', 'no that is all thank you',
  'i have a question', 'what time', 'which day', 'um', 'uh'];
const MINUTES = [0, 15, 30, 45];

/** Sentences in written-but-spoken form (no digits), a few thousand words in all. */
export function genericDomainSentences(): string[] {
  const out = [...ANSWERS];
  for (const day of WEEKDAYS) {
    out.push(day, `on ${day}`, `next ${day}`, `this ${day}`, `${day} morning`, `${day} afternoon`, `how about ${day}`);
  }
  for (const month of MONTHS) {
    for (let d = 1; d <= 31; d++) out.push(`${month} ${ordinalWords(d)}`);
    out.push(`in ${month}`, `on the ${ordinalWords(1)} of ${month}`);
  }
  for (let d = 1; d <= 31; d++) out.push(`the ${ordinalWords(d)}`);
  for (let h = 1; h <= 12; h++) {
    for (const m of MINUTES) {
      const time = m === 0 ? numberWords(h) : `${numberWords(h)} ${numberWords(m)}`;
      out.push(`at ${time} a m`, `at ${time} p m`, `${time}`);
    }
    out.push(`${numberWords(h)} o'clock`, `at ${numberWords(h)} in the morning`, `at ${numberWords(h)} in the afternoon`);
  }
  for (let n = 0; n <= 100; n++) out.push(numberWords(n));
  for (let year = 1930; year <= 2025; year += 1) out.push(`born in ${yearWords(year)}`);
  // Digit strings with a fixed pseudo-random sequence: deterministic, so the cached model is reused.
  let seed = 7;
  const digit = () => numberWords((seed = (seed * 1103515245 + 12345) % 2147483648) % 10);
  for (let i = 0; i < 20; i++) out.push(`my number is ${Array.from({ length: 10 }, digit).join(' ')}`);
  FIRST_NAMES.forEach((first, i) => {
    const last = LAST_NAMES[i % LAST_NAMES.length]!;
    out.push(`my name is ${first} ${last}`, `this is ${first}`, `${first} ${last}`);
  });
  for (const last of LAST_NAMES) out.push(`doctor ${last}`, `with doctor ${last}`, last);
  // Spelled names (the dialog asks for one when a name was not understood): letters, the phonetic
  // alphabet and "g as in george", in the letter sequences real names have.
  for (const last of LAST_NAMES) out.push([...last].join(' '), `it's ${[...last].join(' ')}`);
  for (const [word, letter] of PHONETIC_ALPHABET) {
    if (/^[a-z]+$/.test(word)) out.push(word, `${letter} as in ${word}`);
  }
  return out;
}

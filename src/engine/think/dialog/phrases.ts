// What callers say to the clinic, for the recogniser's language model: pocketsphinx only hears well
// what its model expects. Phrases are lowercase words the way the recogniser writes them ("p m",
// "o'clock"), and cover every form the dialog parses, so the two stay in step.
import { MONTHS, WEEKDAYS } from './calendar.js';
import { numberWords, ordinalWords, yearWords } from './words.js';

const FIRST_NAMES = [
  'james', 'john', 'robert', 'michael', 'william', 'david', 'richard', 'joseph', 'thomas', 'charles', 'daniel', 'matthew',
  'anthony', 'mark', 'steven', 'paul', 'andrew', 'joshua', 'kevin', 'brian', 'george', 'edward', 'jason', 'ryan',
  'mary', 'patricia', 'jennifer', 'linda', 'elizabeth', 'barbara', 'susan', 'jessica', 'sarah', 'karen', 'lisa', 'nancy',
  'betty', 'sandra', 'ashley', 'emily', 'donna', 'michelle', 'carol', 'amanda', 'melissa', 'deborah', 'laura', 'anna',
  'maria', 'jose', 'carlos', 'luis', 'juan', 'emma', 'olivia', 'sophia', 'noah', 'liam', 'ethan', 'grace',
];
const LAST_NAMES = [
  'smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez', 'hernandez',
  'lopez', 'gonzalez', 'wilson', 'anderson', 'thomas', 'taylor', 'moore', 'jackson', 'martin', 'lee', 'perez', 'thompson',
  'white', 'harris', 'sanchez', 'clark', 'ramirez', 'lewis', 'robinson', 'walker', 'young', 'allen', 'king', 'wright',
  'scott', 'torres', 'nguyen', 'hill', 'flores', 'green', 'adams', 'nelson', 'baker', 'hall', 'rivera', 'campbell',
  'mitchell', 'carter', 'roberts', "o'brien", 'mcdonald', 'kim', 'patel', 'chen', 'murphy', 'cook', 'rogers', 'morgan',
];

const REQUESTS = [
  "i'd like to book an appointment", 'i would like to book an appointment', 'hi i would like to book an appointment',
  'hello i would like to make an appointment', 'i would like to reschedule my appointment', 'i would like to cancel my appointment',
  'i want to make an appointment', 'i need to schedule an appointment',
  'can i book an appointment', 'i need to see the doctor', 'can i come in', 'do you have any openings',
  'what times are available', 'do you have anything available', 'i need a checkup', 'i need a physical',
  'i want to reschedule my appointment', 'i need to reschedule', 'can i move my appointment', 'i need to change my appointment',
  'i want to cancel my appointment', 'i need to cancel', "i can't make it", 'please cancel my appointment',
  'when is my appointment', 'do i have an appointment', 'can you check my appointment', 'what time is my appointment',
  'what are your hours', 'when are you open', 'what time do you close', 'are you open on saturday', 'are you open today',
  'what is your address', 'where are you located', 'how do i get there', 'is there parking',
  'do you take my insurance', 'what insurance do you accept', 'do you accept medicare', 'do you take medicaid',
  'do you accept blue cross', 'do you take aetna', 'do you take cigna', 'do you accept united healthcare',
  'can i speak to a person', 'can i talk to someone', 'i want to speak to a receptionist', 'transfer me to the front desk',
  'operator', 'representative', 'real person please', 'can i speak to a nurse',
  'yes', 'yeah', 'yes please', 'no', 'no thanks', 'no thank you', "that's right", 'that is correct', 'correct',
  'sounds good', 'okay', 'sure', 'go ahead', 'please do', 'that works', 'perfect', 'no that is wrong', "that's not right",
  'change the time', 'change the day', 'the name is wrong', 'the date of birth is wrong', 'the first one', 'the second one',
  'the last one', 'the earlier one', 'the later one', 'the earliest you have', 'first available', 'as soon as possible',
  'in the morning', 'in the afternoon', 'morning please', 'afternoon please', 'any time', 'whenever',
  'start over', 'never mind', 'can you repeat that', 'say that again', 'sorry what',
  "that's all", "that's it", 'nothing else', 'thank you', 'thanks bye', 'goodbye', 'bye', 'have a good day', 'thank you goodbye',
  'hello', 'hi', 'good morning', 'good afternoon',
  'i have chest pain', 'my chest hurts', "i can't breathe", 'i am having trouble breathing', 'he is not breathing',
  'there is a lot of bleeding', "it won't stop bleeding", 'i think i am having a stroke', 'i think he is having a heart attack',
  'i want to kill myself', 'i am thinking about suicide', 'she took an overdose', 'he is unconscious', 'she passed out',
  'this is an emergency',
  'i have a fever', 'i have a bad cough', 'should i be worried about this rash', 'what medicine should i take',
  'is it normal to have a headache', 'my throat is sore', 'i have the flu',
  'the caller pressed zero',
];

/** A few hundred phrases a caller is likely to say to the clinic dialog. */
export function clinicPhrases(): string[] {
  const phrases = new Set(REQUESTS);
  const hours = Array.from({ length: 12 }, (_, i) => numberWords(i + 1));
  for (const [i, hour] of hours.entries()) {
    const meridiem = i + 1 >= 7 && i + 1 <= 11 ? 'a m' : 'p m';
    phrases.add(`${hour} ${meridiem}`);
    phrases.add(`at ${hour} thirty ${meridiem}`);
    phrases.add(`${hour} fifteen`);
    phrases.add(`${hour} forty five`);
    phrases.add(`${hour} o'clock`);
    phrases.add(`half past ${hour}`);
  }
  phrases.add('noon').add('at noon').add('twelve noon').add('quarter past ten').add('quarter to three');
  for (const [i, month] of MONTHS.entries()) {
    phrases.add(`${month} ${ordinalWords(1 + ((i * 5) % 28))}`);
    phrases.add(`on ${month} ${ordinalWords(10 + i)}`);
    phrases.add(`the ${ordinalWords(20 + (i % 11))} of ${month}`);
  }
  for (let day = 1; day <= 31; day++) phrases.add(`the ${ordinalWords(day)}`);
  for (const day of WEEKDAYS) {
    phrases.add(`on ${day}`).add(`next ${day}`).add(`this ${day}`);
    phrases.add(`${day} at ten a m`);
  }
  phrases.add('today').add('tomorrow').add('tomorrow morning').add('tomorrow afternoon').add('the day after tomorrow');
  phrases.add("i'd like to book an appointment for march fifth at two thirty p m");
  phrases.add('can i come in tomorrow at ten a m').add('do you have anything next tuesday afternoon');
  for (let year = 1940; year <= 2020; year += 3) {
    const month = MONTHS[year % 12]!;
    phrases.add(`${month} ${ordinalWords(1 + (year % 28))} ${yearWords(year)}`);
    phrases.add(`born in ${yearWords(year)}`);
  }
  phrases.add('my date of birth is march fifth nineteen eighty four').add('i was born on june third nineteen ninety');
  phrases.add('date of birth january first two thousand five').add('the twelfth of december nineteen seventy');
  for (const [i, first] of FIRST_NAMES.entries()) {
    const last = LAST_NAMES[i % LAST_NAMES.length]!;
    const cue = ['my name is', 'this is', "it's", 'the patient is'][i % 4]!;
    phrases.add(`${cue} ${first} ${last}`);
    phrases.add(`${first} ${LAST_NAMES[(i * 7 + 3) % LAST_NAMES.length]}`);
  }
  return [...phrases];
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SentenceSplitter, splitSentences } from '../../../src/engine/think/sentences.js';

test('splits complete text into sentences', () => {
  const cases: Array<[string, string[]]> = [
    ['Hello there. How can I help?', ['Hello there.', 'How can I help?']],
    ['Dr. Lee sees patients on Main St. until noon. Anything else?', ['Dr. Lee sees patients on Main St. until noon.', 'Anything else?']],
    ['The copay is $3.50 today. Thanks!', ['The copay is $3.50 today.', 'Thanks!']],
    ['See you at 9 a.m. tomorrow. Bye.', ['See you at 9 a.m. tomorrow.', 'Bye.']],
    ['Your visit is at 9 a.m. Please arrive early.', ['Your visit is at 9 a.m.', 'Please arrive early.']],
    ['Ask for J. Smith at the desk. Okay?', ['Ask for J. Smith at the desk.', 'Okay?']],
    ['Really?! Yes... I think so.', ['Really?!', 'Yes...', 'I think so.']],
    ['He said "come in." Then he left.', ['He said "come in."', 'Then he left.']],
    ['Line one\nLine two', ['Line one', 'Line two']],
    ['Visit example.com for details', ['Visit example.com for details']],
    ['', []],
  ];
  for (const [text, expected] of cases) assert.deepEqual(splitSentences(text), expected, text);
});

test('emits a sentence as soon as it is certainly complete, whatever the fragmenting', () => {
  const splitter = new SentenceSplitter();
  assert.deepEqual(splitter.push('Your appointment is at 3'), []);
  assert.deepEqual(splitter.push('.'), [], '"3." may still become "3.5"');
  assert.deepEqual(splitter.push('5 hours from now'), []);
  assert.deepEqual(splitter.push('. Dr'), ['Your appointment is at 3.5 hours from now.']);
  assert.deepEqual(splitter.push('. Lee will see you'), []);
  assert.deepEqual(splitter.push('. Bye'), ['Dr. Lee will see you.']);
  assert.deepEqual(splitter.flush(), ['Bye']);
  assert.deepEqual(splitter.flush(), []);
});

test('every split point of a text gives the same sentences', () => {
  const text = 'Thanks for calling Dr. Patel\'s office. We open at 8 a.m. on weekdays. Is 2.5 hours enough? Great!';
  const whole = splitSentences(text);
  assert.equal(whole.length, 4);
  for (let cut = 1; cut < text.length; cut++) {
    const splitter = new SentenceSplitter();
    const parts = [...splitter.push(text.slice(0, cut)), ...splitter.push(text.slice(cut)), ...splitter.flush()];
    assert.deepEqual(parts, whole, `cut at ${cut}`);
  }
});

test('a run-on without punctuation is cut at a comma once it gets long', () => {
  const splitter = new SentenceSplitter({ maxChars: 40 });
  const out = splitter.push('we have openings on monday, tuesday and wednesday, and also thursday');
  assert.deepEqual(out, ['we have openings on monday,', 'tuesday and wednesday,']);
  assert.deepEqual(splitter.flush(), ['and also thursday']);
});

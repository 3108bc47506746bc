import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLanguageModel, SENTENCE_END, SENTENCE_START } from '../../../src/engine/listen/language-model.js';
import { PronunciationDictionary } from '../../../src/engine/listen/pronunciations.js';
import { corpusSentences, prepareRecognizerModel } from '../../../src/engine/listen/recognizer-model.js';
import { spokenWords } from '../../../src/engine/listen/spoken-text.js';

interface Arpa {
  declared: number[];
  prob: Map<string, number>[];
  backoff: Map<string, number>[];
}

function parseArpa(text: string): Arpa {
  const lines = text.split('\n');
  assert.equal(lines[0], '\\data\\');
  assert.ok(lines.includes('\\end\\'));
  const arpa: Arpa = { declared: [], prob: [], backoff: [] };
  let order = 0;
  for (const line of lines.slice(1)) {
    const count = /^ngram (\d)=(\d+)$/.exec(line);
    const section = /^\\(\d)-grams:$/.exec(line);
    if (count) arpa.declared[+count[1]! - 1] = +count[2]!;
    else if (section) {
      order = +section[1]!;
      arpa.prob[order - 1] = new Map();
      arpa.backoff[order - 1] = new Map();
    } else if (order && line && line !== '\\end\\') {
      const fields = line.split('\t');
      assert.ok(fields.length === 2 || fields.length === 3, `malformed line: ${line}`);
      assert.equal(fields[1]!.split(' ').length, order, `wrong order: ${line}`);
      arpa.prob[order - 1]!.set(fields[1]!, +fields[0]!);
      if (fields[2] !== undefined) arpa.backoff[order - 1]!.set(fields[1]!, +fields[2]);
    }
  }
  return arpa;
}

function probability(arpa: Arpa, words: string[]): number {
  const direct = arpa.prob[words.length - 1]?.get(words.join(' '));
  if (direct !== undefined) return 10 ** direct;
  if (words.length === 1) return 0;
  return 10 ** (arpa.backoff[words.length - 2]!.get(words.slice(0, -1).join(' ')) ?? 0) * probability(arpa, words.slice(1));
}

const CORPUS = [
  'i would like to book an appointment',
  'i would like to cancel my appointment',
  'can i book for tuesday',
  'yes please',
  'no thank you',
  'book it for tuesday morning',
].map((s) => s.split(' '));

test('the ARPA output is well formed and every context is a proper distribution', () => {
  for (const order of [2, 3]) {
    const { arpa: text, vocabulary } = buildLanguageModel(CORPUS, { order });
    const arpa = parseArpa(text);
    assert.equal(arpa.declared.length, order);
    arpa.declared.forEach((n, i) => assert.equal(arpa.prob[i]!.size, n, `ngram ${i + 1} count`));
    const outcomes = [...vocabulary, SENTENCE_END];
    // Every prefix of an n-gram must itself be listed, or the decoder cannot reach it.
    for (let n = 2; n <= order; n++) {
      for (const key of arpa.prob[n - 1]!.keys()) assert.ok(arpa.prob[n - 2]!.has(key.split(' ').slice(0, -1).join(' ')), key);
    }
    const contexts = [[SENTENCE_START], ['i'], ['book'], ['tuesday'], ['my'], ...(order === 3 ? [['i', 'would'], [SENTENCE_START, 'no']] : [])];
    for (const context of contexts) {
      const total = outcomes.reduce((sum, w) => sum + probability(arpa, [...context, w]), 0);
      assert.ok(Math.abs(total - 1) < 1e-3, `P(.|${context.join(' ')}) sums to ${total} (order ${order})`);
    }
    assert.ok(probability(arpa, ['i', 'would']) > probability(arpa, ['i', 'tuesday']), 'seen pairs beat unseen ones');
    assert.ok(probability(arpa, ['i', 'tuesday']) > 0, 'unseen pairs stay possible');
  }
});

test('spoken forms: numbers, ordinals, times and abbreviations become words', () => {
  assert.deepEqual(spokenWords('Dr. Lee, March 5th at 2:30pm!'), ['doctor', 'lee', 'march', 'fifth', 'at', 'two', 'thirty', 'p', 'm']);
  assert.deepEqual(spokenWords('10 a.m. or 3:05'), ['ten', 'a', 'm', 'or', 'three', 'oh', 'five']);
  assert.deepEqual(spokenWords('born 1985, the 22nd'), ['born', 'nineteen', 'eighty', 'five', 'the', 'twenty', 'second']);
  assert.deepEqual(spokenWords("I'm at 5551234567"), ["i'm", 'at', 'five', 'five', 'five', 'one', 'two', 'three', 'four', 'five', 'six', 'seven']);
});

test('words the dictionary cannot pronounce are left out, splitting their sentence', () => {
  const dictionary = PronunciationDictionary.parse('book B UH K\nan AH N\nan(2) AE N\nappointment AH P OY N T M AH N T\nfor F AO R\ntuesday T UW Z D EY\n');
  const { sentences, outOfDictionary } = corpusSentences(['Book an appointment for Zorblax on Tuesday'], dictionary);
  assert.deepEqual(sentences, [['book', 'an', 'appointment', 'for'], ['tuesday']]);
  assert.deepEqual(outOfDictionary, ['on', 'zorblax']);
  assert.equal(dictionary.subset(['an', 'book']), 'an AH N\nan(2) AE N\nbook B UH K\n');
});

test('recogniser models are built from real cmudict, cached per phrase set, and only hold known words', () => {
  const cache = mkdtempSync(join(tmpdir(), 'lm-test-'));
  try {
    const dictionary = PronunciationDictionary.load();
    const phrases = ['I need to see Dr. Okonkwo-Qzx about my knee', 'Can I book for 3:15 pm?'];
    const first = prepareRecognizerModel(phrases, dictionary, {}, cache);
    const modified = statSync(first.lmPath).mtimeMs;
    const again = prepareRecognizerModel(phrases, dictionary, {}, cache);
    assert.equal(again.lmPath, first.lmPath);
    assert.equal(statSync(again.lmPath).mtimeMs, modified, 'reused, not rebuilt');
    const other = prepareRecognizerModel(['Something else entirely'], dictionary, {}, cache);
    assert.notEqual(other.lmPath, first.lmPath);

    const arpa = parseArpa(readFileSync(first.lmPath, 'utf8'));
    const words = [...arpa.prob[0]!.keys()].filter((w) => w !== SENTENCE_START && w !== SENTENCE_END);
    assert.ok(words.includes('knee') && words.includes('fifteen') && words.includes('book'));
    assert.ok(!words.some((w) => w.includes('qzx')), 'out-of-dictionary word left out');
    assert.ok(words.every((w) => dictionary.has(w)));
    const dictWords = new Set(readFileSync(first.dictPath, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]!.replace(/\(\d+\)$/, '')));
    assert.deepEqual([...dictWords].sort(), words.sort());
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

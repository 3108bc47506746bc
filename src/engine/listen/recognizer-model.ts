// Turns an agent's expected phrases into the files a pocketsphinx decoder loads: an ARPA language model
// and a pronunciation dictionary of just its words. Built once per distinct phrase set and cached on
// disk, so every call of the same agent (and every restart) reuses them.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLanguageModel, DEFAULT_LM_OPTIONS, type LanguageModelOptions } from './language-model.js';
import { genericDomainSentences } from './domain-corpus.js';
import type { PronunciationDictionary } from './pronunciations.js';
import { spokenWords } from './spoken-text.js';

// Bump when the builder or the generic corpus changes, so stale cached models are not reused.
const MODEL_FORMAT = 2;
// The agent's own phrases count this many times against one generic sentence.
const EXPECTED_PHRASE_WEIGHT = 3;

export interface RecognizerModelFiles {
  lmPath: string;
  dictPath: string;
  vocabularySize: number;
}

export interface CorpusSplit {
  sentences: string[][];
  /** Words left out because the dictionary cannot pronounce them, sorted. */
  outOfDictionary: string[];
}

/**
 * Spoken-form sentences of in-dictionary words. An unknown word splits its sentence in two rather than
 * being dropped, which would invent a word pair nobody says.
 */
export function corpusSentences(texts: readonly string[], dictionary: PronunciationDictionary): CorpusSplit {
  const sentences: string[][] = [];
  const unknown = new Set<string>();
  for (const text of texts) {
    let run: string[] = [];
    for (const word of spokenWords(text)) {
      if (dictionary.has(word)) {
        run.push(word);
        continue;
      }
      unknown.add(word);
      if (run.length) sentences.push(run);
      run = [];
    }
    if (run.length) sentences.push(run);
  }
  return { sentences, outOfDictionary: [...unknown].sort() };
}

export function prepareRecognizerModel(
  expectedPhrases: readonly string[],
  dictionary: PronunciationDictionary,
  options: Partial<LanguageModelOptions> = {},
  cacheDir = join(tmpdir(), 'phone-agent-lm'),
): RecognizerModelFiles {
  const lmOptions = { ...DEFAULT_LM_OPTIONS, ...options };
  const weighted = expectedPhrases.flatMap((p) => Array<string>(EXPECTED_PHRASE_WEIGHT).fill(p));
  const { sentences } = corpusSentences([...weighted, ...genericDomainSentences()], dictionary);
  const key = createHash('sha256').update(JSON.stringify([MODEL_FORMAT, lmOptions, sentences])).digest('hex').slice(0, 24);
  const lmPath = join(cacheDir, `${key}.arpa`);
  const dictPath = join(cacheDir, `${key}.dict`);
  if (existsSync(lmPath) && existsSync(dictPath)) {
    return { lmPath, dictPath, vocabularySize: new Set(sentences.flat()).size };
  }
  const model = buildLanguageModel(sentences, lmOptions);
  mkdirSync(cacheDir, { recursive: true });
  writeAtomically(dictPath, dictionary.subset(model.vocabulary));
  writeAtomically(lmPath, model.arpa);
  return { lmPath, dictPath, vocabularySize: model.vocabulary.length };
}

// Several workers may build the same model at once: each writes its own file and renames it into place.
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

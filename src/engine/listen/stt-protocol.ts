// Messages between PocketsphinxSpeechToText (main thread) and its decoding workers.

export type WorkerRequest =
  | { type: 'create'; id: number; phrases: readonly string[]; lmOrder: number }
  | { type: 'begin'; id: number }
  /** 8 kHz engine audio; the worker upsamples. */
  | { type: 'audio'; id: number; samples: Int16Array }
  | { type: 'finish'; id: number; seq: number }
  | { type: 'close'; id: number };

export type WorkerReply =
  | { type: 'created'; id: number; seq: number }
  | { type: 'text'; id: number; seq: number; text: string }
  | { type: 'failed'; id: number; seq: number; message: string };

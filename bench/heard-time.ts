// How well the bridge knows what the caller heard when they barge in, with a playback mark after every
// agent chunk (markEveryMs 0, as before) and after every 100 ms of audio (the default). Each trial:
// the agent sends a long reply in 20 ms chunks, the caller's side plays it in real time (as Twilio's
// buffer does), the agent reports UserStartedSpeaking at a random moment, and the heard time the
// bridge records for the interrupted turn is compared with what the caller's side had actually played
// when the `clear` reached it.
//   node dist/bench/heard-time.js [--trials N] [--concurrency C]
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBridge, randomBytes } from '../test/helpers/bridge-harness.js';
import { percentiles } from '../src/bench/latency-samples.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '60' }, concurrency: { type: 'string', default: '10' } } });
const trials = Number(values.trials);
const concurrency = Number(values.concurrency);
const REPLY_MS = 3000;
const CHUNK_BYTES = 160;

async function measure(markEveryMs: number): Promise<number[]> {
  const h = await startBridge({ timing: { markEveryMs }, env: { IDLE_PROMPT_MS: '0' } });
  const errors: number[] = [];
  try {
    type Connected = Awaited<ReturnType<typeof h.connectedCall>>;
    const trial = async ({ call, agent }: Connected): Promise<void> => {
      // What the caller's side had played when the clear reached it.
      const playedAtClear = new Promise<number>((resolve) => call.once('clear', () => resolve(call.stats.bytesPlayed / 8)));
      agent.send({ type: 'ConversationText', role: 'assistant', content: 'a long answer' });
      for (let at = 0; at < REPLY_MS * 8; at += CHUNK_BYTES) agent.sendAudio(randomBytes(CHUNK_BYTES, at + 1));
      agent.send({ type: 'AgentAudioDone' });
      await sleep(200 + Math.random() * (REPLY_MS - 600));
      agent.send({ type: 'UserStartedSpeaking' });
      const turn = await h.waitForEvent('turn', (e) => e.callSid === call.callSid && e.turn.interrupted);
      if (turn.turn.heardMs !== undefined) errors.push(turn.turn.heardMs - (await playedAtClear));
      call.hangUp();
    };
    for (let done = 0; done < trials; done += concurrency) {
      // Connected one at a time (the harness pairs each call with the next agent connection), then run together.
      const batch: Connected[] = [];
      for (let i = 0; i < Math.min(concurrency, trials - done); i++) batch.push(await h.connectedCall());
      await Promise.all(batch.map(trial));
    }
  } finally {
    await h.close();
  }
  return errors;
}

function summarize(errors: number[]) {
  const abs = percentiles([Float64Array.from(errors, Math.abs)]);
  const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
  return { trials: errors.length, mean_error_ms: Math.round(mean * 10) / 10, abs_error_ms: abs, min_ms: Math.min(...errors), max_ms: Math.max(...errors) };
}

const everyChunk = summarize(await measure(0));
const every100 = summarize(await measure(100));
log(JSON.stringify({ mark_every_chunk: everyChunk, mark_every_100ms: every100 }));
const command = `node dist/bench/heard-time.js --trials ${trials} --concurrency ${concurrency}`;
log(`wrote ${writeResults('heard-time', command, { chunk_ms: 20, reply_ms: REPLY_MS, mark_every_chunk: everyChunk, mark_every_100ms: every100 })}`);

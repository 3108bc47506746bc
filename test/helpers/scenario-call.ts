// Places one scenario call (test/fixtures/call-scenarios.ts) against a running server: a simulated
// Twilio caller speaks at real-time pace on a continuous line, waits for each reply to play out, learns
// what the agent said from the live feed and answers it; afterwards the server's record of the call and
// its appointments decide whether the scenario succeeded.
import { mulawEncode } from '../../src/audio/mulaw.js';
import { CallerLine, replyFinished } from '../../src/cli/call-line.js';
import { fetchCallDetail } from '../../src/cli/call-server.js';
import { connectCaller } from '../../src/simulate/connect.js';
import type { Appointment } from '../../src/store/types.js';
import type { CallerLine as Line, Scenario, ScenarioResult, Seeded } from '../fixtures/call-scenarios.js';
import type { LiveEvents } from './live-events.js';

export interface ScenarioCallOptions {
  /** ws://host:port/media-stream */
  streamUrl: string;
  /** http://host:port */
  server: string;
  live: LiveEvents;
  /** The caller's voice: 8 kHz audio as heard at the far end of the line. */
  speak(text: string): Promise<Int16Array>;
  /** What scenario.seed put in the store. */
  seeded: Seeded[];
  /** Caller lines after which the caller gives up. Default 14. */
  maxLines?: number;
}

export interface ScenarioCall {
  result: ScenarioResult;
  /** Empty when the scenario succeeded. */
  failures: string[];
  /** End of each caller line to the first audio of the agent's answer. */
  latenciesMs: number[];
  /** Caller lines the agent did not answer. */
  unanswered: number;
}

/** How long after a reply has played the caller waits for the feed to say what it was. */
const WORDS_AFTER_AUDIO_MS = 2_000;

export async function runScenario(scenario: Scenario, options: ScenarioCallOptions): Promise<ScenarioCall> {
  const { streamUrl, server, live, speak, seeded, maxLines = 14 } = options;
  const call = await connectCaller('twilio', streamUrl, { customParameters: { Source: `scenario ${scenario.name}` } });
  const agentTurns = () => live.of(call.callSid).flatMap((e) => (e.type === 'turn' && e.turn.role === 'assistant' ? [e.turn.text] : []));
  const line = new CallerLine(call);
  const answer = scenario.caller();
  const latenciesMs: number[] = [];
  let unanswered = 0;
  let heardTurns = 0;

  /** Waits for the agent's words after its audio; returns them ('' when it said nothing). */
  const agentWords = async (): Promise<string> => {
    await live.until(() => agentTurns().length > heardTurns, WORDS_AFTER_AUDIO_MS);
    const turns = agentTurns();
    const words = turns.slice(heardTurns).join(' ');
    heardTurns = turns.length;
    return words;
  };

  await replyFinished(call, performance.now());
  let agentSaid = await agentWords();
  let saidLast: Line | undefined;
  for (let lines = 0; lines < maxLines && call.open; lines++) {
    const next: Line | 'hang up' = scenario.opening[lines] ?? answer(agentSaid, saidLast);
    if (next === 'hang up') break;
    saidLast = next;
    const endedAt = await line.say(Buffer.from(mulawEncode(await voiced(next, speak))));
    const reply = await replyFinished(call, endedAt);
    if (reply.firstAudioAt === undefined) unanswered++;
    else latenciesMs.push(reply.firstAudioAt - endedAt);
    agentSaid = await agentWords();
  }
  await line.stop();
  call.hangUp();

  const detail = await fetchCallDetail({ server, callSid: call.callSid, waitMs: 10_000 });
  const result: ScenarioResult = {
    callSid: call.callSid,
    appointments: await appointments(server),
    functionCalls: detail?.functionCalls ?? [],
    outcome: detail?.outcome ?? null,
    agentSaid: detail?.transcript.filter((t) => t.role === 'assistant').map((t) => t.text) ?? agentTurns(),
    heard: detail?.transcript.filter((t) => t.role === 'user').map((t) => t.text) ?? [],
  };
  const failures = detail ? scenario.check(result, seeded) : ['the server has no record of the call'];
  return { result, failures, latenciesMs, unanswered };
}

/** Mumbled speech: the same sounds backwards and quieter, speech-like but without words. */
async function voiced(line: Line, speak: (text: string) => Promise<Int16Array>): Promise<Int16Array> {
  const audio = await speak(line.text);
  if (!line.mumbled) return audio;
  return Int16Array.from(audio.slice().reverse(), (s) => s >> 1);
}

async function appointments(server: string): Promise<Appointment[]> {
  const response = await fetch(`${server}/api/appointments?limit=500`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET /api/appointments answered HTTP ${response.status}`);
  return ((await response.json()) as { appointments: Appointment[] }).appointments;
}

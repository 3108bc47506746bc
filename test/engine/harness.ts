// The embedded engine on a loopback port for protocol tests: the real listening and speaking parts
// (Silero VAD, pocketsphinx, flite) with a scripted think provider, so every reply is predictable.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Engine } from '../../src/engine/engine.js';
import type { EngineSessionOptions, EngineParts } from '../../src/engine/session.js';
import { startEngineServer, type EngineServer } from '../../src/engine/server.js';
import { createSileroVad } from '../../src/engine/listen/vad.js';
import { PocketsphinxSpeechToText } from '../../src/engine/listen/pocketsphinx-stt.js';
import { FliteTextToSpeech } from '../../src/engine/speak/flite.js';
import type { ChatMessage, ThinkEvent, ThinkProvider, ThinkRequest } from '../../src/engine/types.js';
import { V1TestClient, type V1Message } from '../helpers/v1-client.js';

export const SPOKEN_REQUEST = 'I would like to book an appointment for tomorrow morning';

export const LONG_REPLY = Array.from(
  { length: 12 },
  (_, i) => `This is sentence number ${i + 1} of a long answer that goes on for quite a while.`,
).join(' ');

/**
 * Replies by the caller's last words: "weather" calls the client-side get_weather function, "lookup"
 * the endpoint function, "fail" makes the request fail, "long" gets a long reply; anything else is
 * echoed. After a tool result it reads the result back.
 */
export function scriptedReply(messages: readonly ChatMessage[]): ThinkEvent[] {
  const last = messages[messages.length - 1]!;
  if (last.role === 'tool') return [{ type: 'text', text: `The ${last.name} result is ${last.content}.` }];
  const said = last.role === 'user' ? last.content : '';
  if (/fail/i.test(said)) throw new Error('scripted failure');
  if (/weather/i.test(said)) {
    return [
      { type: 'text', text: 'Let me check. ' },
      { type: 'tool_call', call: { id: `call-${messages.length}`, name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ];
  }
  if (/lookup/i.test(said)) return [{ type: 'tool_call', call: { id: `call-${messages.length}`, name: 'lookup', arguments: '{"q":"x"}' } }];
  if (/long/i.test(said)) return LONG_REPLY.split(/(?<= )/).map((text) => ({ type: 'text' as const, text }));
  return [{ type: 'text', text: `You said: ${said}.` }];
}

export class ScriptedThink implements ThinkProvider {
  readonly requests: ChatMessage[][] = [];

  async *respond(request: ThinkRequest): AsyncIterable<ThinkEvent> {
    this.requests.push([...request.messages]);
    for (const event of scriptedReply(request.messages)) {
      // Stream like a model: one fragment per event-loop turn.
      await nextTurn();
      if (request.signal.aborted) return;
      yield event;
    }
  }

  expectedPhrases(): string[] {
    return [SPOKEN_REQUEST, 'what is the weather in paris', 'tell me something long', 'hello', 'goodbye'];
  }
}

export const BASE_SETTINGS = {
  type: 'Settings',
  audio: { input: { encoding: 'mulaw', sample_rate: 8000 }, output: { encoding: 'mulaw', sample_rate: 8000, container: 'none' } },
  agent: {
    listen: { provider: { type: 'deepgram', model: 'nova-3' } },
    think: {
      provider: { type: 'open_ai', model: 'gpt-4o-mini' },
      prompt: 'You are a test agent.',
      functions: [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
    },
    speak: { provider: { type: 'deepgram', model: 'aura-2-thalia-en' } },
  },
};

/** BASE_SETTINGS with changes merged into `agent` and `audio` (one level deep). */
export function settingsWith(
  changes: { agent?: Record<string, unknown>; audio?: Record<string, unknown>; [key: string]: unknown } = {},
): Record<string, unknown> {
  const { agent, audio, ...rest } = changes;
  return { ...BASE_SETTINGS, ...rest, agent: { ...BASE_SETTINGS.agent, ...agent }, audio: { ...BASE_SETTINGS.audio, ...audio } };
}

export interface TestEngine {
  server: EngineServer;
  engine: Engine;
  think: ScriptedThink;
  /** The expected phrases of every recogniser built, in order. */
  recognizerBuilds: string[][];
  connect(): Promise<V1TestClient>;
  /** Connects, sends Settings, waits for SettingsApplied (and the greeting's end when there is one). */
  converse(settings?: Record<string, unknown>): Promise<V1TestClient>;
  close(): Promise<void>;
}

export async function startTestEngine(session: Partial<EngineSessionOptions> = {}): Promise<TestEngine> {
  const think = new ScriptedThink();
  const speechToText = new PocketsphinxSpeechToText({ workers: 1 });
  const recognizerBuilds: string[][] = [];
  const parts: EngineParts = {
    speechToText: {
      createRecognizer(phrases) {
        recognizerBuilds.push([...phrases]);
        return speechToText.createRecognizer(phrases);
      },
    },
    createVad: () => createSileroVad(),
    createTextToSpeech: () => new FliteTextToSpeech(),
    createThinkProvider: () => think,
  };
  const engine = new Engine({ parts, session, closeParts: () => speechToText.close() });
  const server = await startEngineServer({ engine });
  const connect = async () => {
    const client = await V1TestClient.connect(server.url);
    await client.waitForType('Welcome');
    return client;
  };
  return {
    server,
    engine,
    think,
    recognizerBuilds,
    connect,
    async converse(settings = BASE_SETTINGS) {
      const client = await connect();
      client.send(settings);
      await client.waitForType('SettingsApplied', 30_000);
      if ((settings as { agent?: { greeting?: string } }).agent?.greeting) await client.waitForType('AgentAudioDone');
      return client;
    },
    close: () => server.close(),
  };
}

export function isText(role: 'user' | 'assistant', content?: string | RegExp): (m: V1Message) => boolean {
  return (m) =>
    m.type === 'ConversationText' &&
    m.role === role &&
    (content === undefined || (typeof content === 'string' ? m.content === content : content.test(String(m.content))));
}

// A V1 agent that converses by script, for tests of callers (the CLI, the softphone) that need replies
// without the embedded engine: it greets, notices each caller utterance from the audio (speech, then
// silence), "recognises" it as the next line of `heard`, and answers with flite speech.
import { mulawEncode } from '../../src/audio/mulaw.js';
import { synthesizeSpeech } from '../../src/engine/speak/flite.js';
import { ScriptedAgent, type AgentConnection } from '../helpers/scripted-agent.js';

export interface TalkingAgentScript {
  greeting: string;
  /** What the agent "hears" the caller say, utterance by utterance. */
  heard: string[];
  reply: (heard: string, index: number) => string;
}

const SPEECH_BYTE_THRESHOLD = 0x70; // mu-law bytes near 0x7f/0xff are close to silence
const END_OF_UTTERANCE_BYTES = 8 * 500; // half a second of quiet

export async function startTalkingAgent(script: TalkingAgentScript): Promise<ScriptedAgent> {
  const agent = await ScriptedAgent.start();
  agent.wss.on('connection', () => void agent.connection(agent.connections.length - 1).then((c) => converse(c, script)));
  return agent;
}

async function converse(conn: AgentConnection, script: TalkingAgentScript): Promise<void> {
  await conn.waitFor((m) => m.type === 'Settings');
  await speak(conn, script.greeting);
  let turn = 0;
  let speaking = false;
  let quietBytes = 0;
  conn.ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    const loud = data.some((b) => (b & 0x7f) < SPEECH_BYTE_THRESHOLD);
    if (loud) {
      quietBytes = 0;
      if (!speaking) conn.send({ type: 'UserStartedSpeaking' });
      speaking = true;
      return;
    }
    quietBytes += data.length;
    if (!speaking || quietBytes < END_OF_UTTERANCE_BYTES) return;
    speaking = false;
    const heard = script.heard[turn] ?? '';
    conn.send({ type: 'ConversationText', role: 'user', content: heard });
    void speak(conn, script.reply(heard, turn++));
  });
}

async function speak(conn: AgentConnection, text: string): Promise<void> {
  const audio = Buffer.from(mulawEncode(await synthesizeSpeech(text)));
  conn.send({ type: 'ConversationText', role: 'assistant', content: text });
  conn.send({ type: 'AgentStartedSpeaking', total_latency: 0.1, tts_latency: 0.02, ttt_latency: 0.08 });
  for (let i = 0; i < audio.length; i += 1600) conn.sendAudio(audio.subarray(i, i + 1600));
  conn.send({ type: 'AgentAudioDone' });
}

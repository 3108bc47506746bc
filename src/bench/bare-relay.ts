// Process entry: the bare relay that `phone-agent bench --compare relay` measures phone-agent against.
// The leanest honest Twilio-to-V1 bridge: per call one agent socket, `Settings` first, each caller
// `media` decoded and sent on as binary, each binary agent message wrapped back into `media`. No
// marks, no clear, no reconnects, no validation, no metrics: what any bridge must do and nothing else,
// so that what phone-agent costs beyond it is what its features cost.
//   PORT=8080 HOST=127.0.0.1 AGENT_URL=ws://127.0.0.1:9000/v1/agent/converse node dist/src/bench/bare-relay.js
// GET /readyz answers 200 once listening: the bench starts and awaits it as it does the server.
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

// What a phone line needs (mu-law at 8 kHz both ways); the providers are Deepgram's example's. The echo
// peer ignores them, but a real agent needs them, and the relay should pay for sending them.
const SETTINGS = JSON.stringify({
  type: 'Settings',
  audio: { input: { encoding: 'mulaw', sample_rate: 8000 }, output: { encoding: 'mulaw', sample_rate: 8000, container: 'none' } },
  agent: {
    language: 'en',
    listen: { provider: { type: 'deepgram', model: 'nova-3' } },
    think: { provider: { type: 'open_ai', model: 'gpt-4o-mini' }, prompt: 'You are a helpful phone assistant. Answer briefly.' },
    speak: { provider: { type: 'deepgram', model: 'aura-2-thalia-en' } },
    greeting: 'Hello! How can I help you?',
  },
});

interface TwilioMessage {
  event: string;
  start?: { streamSid: string };
  media?: { payload: string };
}

/** One call: its Twilio stream and its own agent socket, closed together. */
function relayCall(twilio: WebSocket, agentUrl: string): void {
  let streamSid = '';
  // Caller audio that arrives while the agent socket is still connecting: sent in order once it opens.
  let heldAudio: Buffer[] | undefined = [];
  const agent = new WebSocket(agentUrl, { perMessageDeflate: false });

  agent.on('open', () => {
    agent.send(SETTINGS);
    for (const audio of heldAudio!) agent.send(audio);
    heldAudio = undefined;
  });
  agent.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) twilio.send(JSON.stringify({ event: 'media', streamSid, media: { payload: data.toString('base64') } }));
  });

  twilio.on('message', (data: Buffer) => {
    let message: TwilioMessage;
    try {
      message = JSON.parse(data.toString('utf8')) as TwilioMessage;
    } catch {
      twilio.close(1007, 'invalid JSON');
      return;
    }
    if (message.event === 'media' && message.media) {
      const audio = Buffer.from(message.media.payload, 'base64');
      if (heldAudio) heldAudio.push(audio);
      else agent.send(audio);
    } else if (message.event === 'start' && message.start) {
      streamSid = message.start.streamSid;
    } else if (message.event === 'stop') {
      twilio.close(1000, 'completed');
    }
  });

  // Either side ending ends the call; an agent that goes first is a failure the caller should see (1011).
  twilio.on('close', () => agent.close(1000));
  agent.on('close', () => twilio.close(1011, 'agent closed'));
  twilio.on('error', () => twilio.terminate());
  agent.on('error', () => agent.terminate());
}

function main(): void {
  const port = Number(process.env.PORT);
  const host = process.env.HOST ?? '127.0.0.1';
  const agentUrl = process.env.AGENT_URL;
  if (!Number.isInteger(port) || port <= 0 || !agentUrl) {
    process.stderr.write('usage: PORT=<port> [HOST=<host>] AGENT_URL=<ws url> node bare-relay.js\n');
    process.exit(2);
  }
  const http = createServer((req, res) => res.writeHead(req.url === '/readyz' ? 200 : 404).end());
  const wss = new WebSocketServer({ server: http, path: '/media-stream' });
  wss.on('connection', (twilio) => relayCall(twilio, agentUrl));
  http.listen(port, host);
  // Exit normally when the bench stops it, so that a --cpu-prof profile is written as phone-agent's is.
  process.once('SIGTERM', () => process.exit(0));
}

main();

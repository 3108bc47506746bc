// `phone-agent call`: a simulated caller. Speaks a carrier's media protocol at real-time pace (Twilio's
// Media Streams by default, or any carrier's: src/simulate), says each --say / --wav in command-line order once the agent's previous reply has
// played, measures how soon the agent answers, and reports what was said.
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDotEnv } from '../config/env.js';
import { mulawDecode, mulawEncode } from '../audio/mulaw.js';
import { downsample } from '../audio/resample.js';
import { readWav, writeWav } from '../audio/wav.js';
import { spokenCaller } from '../engine/speak/phone-channel.js';
import type { SimulatedCaller } from '../simulate/caller.js';
import { CARRIERS, connectCaller, defaultStreamUrl, isCarrier, type CarrierName } from '../simulate/connect.js';
import { CallerLine, replyFinished } from './call-line.js';
import { fetchStreamTicket, fetchTranscript, httpBase, type TranscriptLine } from './call-server.js';
import { errorMessage } from '../observability/error-message.js';

const PHONE_RATE = 8000;

const HELP = `usage: phone-agent call [--carrier NAME] [--url URL] [--say TEXT]... [--wav FILE]... [--out FILE.wav] [--json]

A simulated caller speaking a carrier's media protocol at real-time pace.
  --carrier NAME ${CARRIERS.join(', ')} (default twilio)
  --url URL      the stream endpoint (default ${defaultStreamUrl('twilio')}, or the carrier's: /telnyx/media-stream, ...;
                 for audiosocket tcp://HOST:AUDIOSOCKET_PORT)
  --say TEXT     say TEXT (synthesized locally with flite through a telephone channel); repeatable
  --wav FILE     say the audio of a WAV file (any rate, channels, PCM/float/mu-law/A-law); repeatable
  --out FILE     write what the caller heard (the agent's played audio) as an 8 kHz WAV
  --json         print one JSON object with the transcript and per-turn latencies
Utterances go in command-line order, each after the agent's previous reply has finished playing.
ADMIN_TOKEN (environment or .env) is sent to read the transcript from GET /api/calls/:callSid, and
to get a softphone ticket when the server checks Twilio signatures and refuses an unsigned stream.
`;

export interface Utterance {
  /** What the caller says, when known: the --say text. */
  text: string | undefined;
  label: string;
  mulaw: Buffer;
}

export interface CallReport {
  ok: boolean;
  callSid: string;
  streamSid: string;
  transcript: TranscriptLine[];
  /** One per utterance; null when the agent did not answer it. */
  turns: Array<{ latency_ms: number | null }>;
  clears: number;
  agent_audio_ms: number;
}

interface CallArgs {
  carrier: CarrierName;
  url: string;
  sources: Array<{ kind: 'say' | 'wav'; value: string }>;
  out: string | undefined;
  json: boolean;
  help: boolean;
}

class UsageError extends Error {}

export async function callCommand(argv: string[]): Promise<void> {
  let args: CallArgs;
  try {
    args = parseCallArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`phone-agent call: ${err.message}\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  loadDotEnv();
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  let utterances: Utterance[];
  let placed: Awaited<ReturnType<typeof placeCall>>;
  try {
    utterances = await Promise.all(args.sources.map(prepareUtterance));
    const options = { carrier: args.carrier, adminToken: process.env.ADMIN_TOKEN, progress: args.json ? () => {} : progress };
    placed = await placeCall(args.url, utterances, options);
  } catch (err) {
    const message = errorMessage(err);
    process.stderr.write(`phone-agent call: ${message}\n`);
    // Scripts reading --json always get the one object they expect.
    if (args.json) process.stdout.write(`${JSON.stringify({ ...FAILED_CALL, error: message })}\n`);
    process.exitCode = 1;
    return;
  }
  const { report, heard } = placed;
  if (args.out) await writeFile(args.out, writeWav(PHONE_RATE, mulawDecode(heard)));
  process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : formatReport(report, utterances));
  if (!report.ok) process.exitCode = 1;
}

const FAILED_CALL = { ok: false, callSid: null, streamSid: null, transcript: [], turns: [], clears: 0, agent_audio_ms: 0 };

function parseCallArgs(argv: string[]): CallArgs {
  const { values, tokens } = parseArgs({
    args: argv,
    options: {
      carrier: { type: 'string' },
      url: { type: 'string' },
      say: { type: 'string', multiple: true },
      wav: { type: 'string', multiple: true },
      out: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
    tokens: true,
  });
  const carrier = values.carrier ?? 'twilio';
  if (!isCarrier(carrier)) throw new UsageError(`--carrier must be one of ${CARRIERS.join(', ')}, got "${carrier}"`);
  const url = values.url ?? defaultStreamUrl(carrier);
  if (carrier === 'audiosocket' ? !/^tcp:\/\/[^/]+:\d+\/?$/.test(url) : !/^wss?:\/\//.test(url)) {
    throw new UsageError(`--url must be ${carrier === 'audiosocket' ? 'tcp://HOST:PORT' : 'a ws:// or wss:// URL'} for ${carrier}, got "${url}"`);
  }
  // Tokens keep the command-line order across --say and --wav, which `values` groups by name.
  const sources = tokens.flatMap((t) =>
    t.kind === 'option' && (t.name === 'say' || t.name === 'wav') && t.value !== undefined ? [{ kind: t.name, value: t.value }] : [],
  );
  return { carrier, url, sources, out: values.out, json: values.json ?? false, help: values.help ?? false };
}

async function prepareUtterance(source: CallArgs['sources'][number]): Promise<Utterance> {
  if (source.kind === 'say') {
    return { text: source.value, label: source.value, mulaw: Buffer.from(mulawEncode(await spokenCaller(source.value))) };
  }
  const { samples, sampleRate } = readWav(await readFile(source.value));
  return { text: undefined, label: basename(source.value), mulaw: Buffer.from(mulawEncode(downsample(samples, sampleRate, PHONE_RATE))) };
}

interface PlaceCallOptions {
  /** Default twilio. */
  carrier?: CarrierName;
  adminToken: string | undefined;
  progress: (line: string) => void;
}

/** Runs the whole call: greeting, each utterance and its reply, hang-up, then the server's transcript. */
export async function placeCall(
  url: string,
  utterances: Utterance[],
  { carrier = 'twilio', adminToken, progress }: PlaceCallOptions,
): Promise<{ report: CallReport; heard: Buffer }> {
  const server = httpBase(url);
  const call = await connect(carrier, url, server, adminToken);
  const heard: Buffer[] = [];
  call.on('played', (audio) => heard.push(audio));
  let closedByServer = false;
  call.once('closed', () => (closedByServer = true));
  const line = new CallerLine(call);
  progress(`calling ${url} as ${call.callSid}`);

  const greeting = await replyFinished(call, performance.now());
  progress(greeting.firstAudioAt === undefined ? 'no greeting' : 'greeting played');
  const turns: CallReport['turns'] = [];
  for (const utterance of utterances) {
    if (!call.open) break;
    progress(`saying: ${utterance.label}`);
    const endedAt = await line.say(utterance.mulaw);
    const reply = await replyFinished(call, endedAt);
    const latency = reply.firstAudioAt === undefined ? null : Math.round(reply.firstAudioAt - endedAt);
    turns.push({ latency_ms: latency });
    progress(latency === null ? 'no reply' : `reply after ${latency} ms`);
  }
  const completed = call.open || (closedByServer && turns.length === utterances.length);
  await line.stop();
  call.hangUp();

  const transcript = (await fetchTranscript({ server, callSid: call.callSid, adminToken })) ?? fallbackTranscript(utterances);
  return {
    report: {
      ok: completed,
      callSid: call.callSid,
      streamSid: call.streamSid,
      transcript,
      turns,
      clears: call.stats.clears,
      agent_audio_ms: Math.round(call.stats.bytesReceived / 8),
    },
    heard: Buffer.concat(heard),
  };
}

const CALLER_PARAMETERS = { Source: 'phone-agent call' };

/** Opens the stream as the carrier would; a server that checks Twilio's signatures is entered with a softphone ticket. */
async function connect(carrier: CarrierName, url: string, server: string, adminToken: string | undefined): Promise<SimulatedCaller> {
  try {
    return await connectCaller(carrier, url, { customParameters: CALLER_PARAMETERS });
  } catch (err) {
    if (carrier !== 'twilio' || !/handshake refused: HTTP 40[13]/.test(String(err))) throw err;
  }
  const ticket = await fetchStreamTicket(server, adminToken);
  const ticketed = new URL(url);
  ticketed.searchParams.set('ticket', ticket.ticket);
  return connectCaller('twilio', ticketed.href, { callSid: ticket.callSid, customParameters: { ...CALLER_PARAMETERS, ...ticket.customParameters } });
}

/** Without the server's record, the caller still knows what it said. */
function fallbackTranscript(utterances: Utterance[]): TranscriptLine[] {
  return utterances.flatMap((u) => (u.text === undefined ? [] : [{ role: 'user' as const, text: u.text }]));
}

function formatReport(report: CallReport, utterances: Utterance[]): string {
  const lines = [`call ${report.callSid} (stream ${report.streamSid})`, ''];
  for (const { role, text } of report.transcript) lines.push(`${role === 'user' ? 'caller' : 'agent '}  ${text}`);
  lines.push('', 'turn latency (end of caller speech to first agent audio):');
  report.turns.forEach((turn, i) => {
    const latency = turn.latency_ms === null ? 'no reply' : `${turn.latency_ms} ms`;
    lines.push(`  ${String(i + 1).padStart(2)}. ${latency.padStart(9)}  ${utterances[i]?.label ?? ''}`);
  });
  lines.push('', `agent audio ${(report.agent_audio_ms / 1000).toFixed(1)} s, ${report.clears} clear(s), ${report.ok ? 'completed' : 'did not complete'}`, '');
  return lines.join('\n');
}

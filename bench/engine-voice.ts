// The embedded engine, end to end through the server (no AGENT_URL: the engine is the agent): a
// scripted clinic call whose caller turns are flite speech through a telephone channel. Voice-to-voice
// latency is from the end of the caller's audio to the first agent audio frame the caller receives
// (the `phone-agent call` measure). Then the same call at rising concurrency, to find how many this
// machine serves in real time: every turn answered and voice-to-voice p95 under 1 s.
//   node dist/bench/engine-voice.js [--levels 1,5,10,20,30] [--repeat N] [--workers N] [--noise-suppression on|off]
// --workers N runs the server as a primary and N workers (WORKERS=N), each with its own engine.
// --noise-suppression sets NOISE_SUPPRESSION (unset: the server's default) and names the results file after it.
import { parseArgs } from 'node:util';
import { mulawEncode } from '../src/audio/mulaw.js';
import { spokenCaller } from '../src/engine/speak/phone-channel.js';
import { placeCall } from '../src/cli/call.js';
import { ProcSampler } from '../src/bench/proc-sampler.js';
import { ServerProcess } from '../src/bench/server-process.js';
import { percentiles } from '../src/bench/latency-samples.js';
import { log, writeResults } from './lib/results.js';

const SCRIPT = [
  'Hi, I would like to book an appointment',
  'My name is Sarah Johnson',
  'Can I come in next Tuesday at two thirty p m',
  'Yes that works for me',
  'No thank you that is all',
];
/** Real time means every turn answered, and answered about as fast as with one call. */
const REAL_TIME_P95_MS = 1000;

const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '1,5,10,20,30' },
    repeat: { type: 'string', default: '3' },
    workers: { type: 'string' },
    'noise-suppression': { type: 'string' },
  },
});
const suppression = values['noise-suppression'];
if (suppression !== undefined && !['on', 'off'].includes(suppression)) throw new Error('--noise-suppression must be on or off');
const utterances = await Promise.all(SCRIPT.map(async (text) => ({ text, label: text, mulaw: Buffer.from(mulawEncode(await spokenCaller(text))) })));

// Every caller comes from 127.0.0.1: past the default burst of stream upgrades per address they would be refused (429).
const server = await ServerProcess.start({
  env: {
    AGENT_URL: '',
    DEEPGRAM_API_KEY: '',
    RATE_LIMIT_BURST: '1000',
    ...(values.workers && { WORKERS: values.workers }),
    ...(suppression && { NOISE_SUPPRESSION: suppression }),
  },
});
const levels: Array<Record<string, unknown>> = [];
let single: Record<string, unknown> | undefined;
try {
  const streamUrl = server.mediaStreamUrl;
  const call = () => placeCall(streamUrl, utterances, { adminToken: undefined, progress: () => {} }).then((r) => r.report);

  log(`single call, ${values.repeat} times in a row`);
  const singles = [];
  for (let i = 0; i < Number(values.repeat); i++) singles.push(await call());
  const latencies = singles.flatMap((r) => r.turns.flatMap((t) => (t.latency_ms === null ? [] : [t.latency_ms])));
  const p = percentiles([Float64Array.from(latencies)]);
  single = {
    calls: singles.length,
    completed: singles.filter((r) => r.ok).length,
    turns: singles.reduce((n, r) => n + r.turns.length, 0),
    answered: latencies.length,
    voice_to_voice_ms: { p50: p.p50, p95: p.p95, max: p.max },
    transcript: singles[0]?.transcript,
  };
  log(JSON.stringify(single));
  if (!server.alive) throw new Error(`the server died:\n${server.outputTail}`);

  for (const concurrency of values.levels.split(',').map(Number)) {
    if (!server.alive) throw new Error(`the server died:\n${server.outputTail}`);
    log(`${concurrency} concurrent calls`);
    const sampler = new ProcSampler(server.pid, { tree: true });
    // Callers do not all start at once: spread over two seconds, their turns interleave as in life.
    const reports = await Promise.all(Array.from({ length: concurrency }, (_, i) => sleep((2000 * i) / concurrency).then(call)));
    const usage = sampler.stop();
    const answered = reports.flatMap((r) => r.turns.flatMap((t) => (t.latency_ms === null ? [] : [t.latency_ms])));
    const turns = reports.reduce((n, r) => n + r.turns.length, 0);
    const q = percentiles([Float64Array.from(answered)]);
    const level = {
      concurrency,
      completed: reports.filter((r) => r.ok).length,
      turns,
      answered: answered.length,
      voice_to_voice_ms: { p50: q.p50, p95: q.p95, max: q.max },
      server_cpu_percent: Math.round(usage.cpuPercent),
      server_peak_rss_mb: Math.round(usage.peakRssMb),
      rest_of_machine_cpu_percent: Math.round(Math.max(0, usage.machineCpuPercent - usage.cpuPercent)),
      real_time: answered.length === turns && q.p95 < REAL_TIME_P95_MS,
    };
    levels.push(level);
    log(JSON.stringify(level));
  }
} finally {
  await server.stop();
}
const sustained = levels.filter((l) => l.real_time).map((l) => l.concurrency as number);
const options = `${values.workers ? ` --workers ${values.workers}` : ''}${suppression ? ` --noise-suppression ${suppression}` : ''}`;
const command = `node dist/bench/engine-voice.js --levels ${values.levels} --repeat ${values.repeat}${options}`;
const name = `engine-voice${values.workers ? `-workers-${values.workers}` : ''}${suppression ? `-noise-suppression-${suppression}` : ''}`;
log(
  `wrote ${writeResults(name, command, {
    script: SCRIPT,
    server_workers: values.workers ? Number(values.workers) : 1,
    noise_suppression: suppression ?? 'server default',
    real_time_criterion: `every turn answered and voice-to-voice p95 < ${REAL_TIME_P95_MS} ms`,
    single,
    levels,
    max_real_time_concurrency: sustained.length > 0 ? Math.max(...sustained) : 0,
  })}`,
);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

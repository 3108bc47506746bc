// Whole spoken calls against the embedded engine (issue 18): each scenario of test/fixtures/call-scenarios.ts
// (book, change the time mid-way, reschedule, cancel, hours, insurance, address, an emergency, a request
// for a person, a caller who mumbles first) with each caller voice, through the real server on loopback
// and a simulated Twilio caller that answers what the agent asks. Success is judged on outcomes (the
// store's appointments, the functions called, what the agent said), not on wording. Each voice gets a
// fresh server and store; its scenarios run --concurrency at a time.
//   node dist/bench/scenarios.js [--voices flite-rms,festival-kal,...] [--scenarios book,cancel,...] [--concurrency 4]
// Missing synthesizers are reported and skipped (install them with `node scripts/bootstrap.mjs --bench`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentiles } from '../src/bench/latency-samples.js';
import { PACKAGE_ROOT, ServerProcess } from '../src/bench/server-process.js';
import { openStore } from '../src/store/index.js';
import { loadClinicConfig } from '../src/tools/clinic/clinic-config.js';
import { SCENARIOS, scenario, type Scenario, type Seeded } from '../test/fixtures/call-scenarios.js';
import { LiveEvents } from '../test/helpers/live-events.js';
import { runScenario, type ScenarioCall } from '../test/helpers/scenario-call.js';
import { CALLER_VOICES, callerVoices, speakingVoices, spokenByCaller, type CallerVoice } from './lib/caller-voices.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({
  options: {
    voices: { type: 'string', default: CALLER_VOICES.map((v) => v.name).join(',') },
    scenarios: { type: 'string', default: SCENARIOS.map((s) => s.name).join(',') },
    concurrency: { type: 'string', default: '4' },
  },
});
const wanted = callerVoices(values.voices);
const scenarios = values.scenarios.split(',').map((name) => scenario(name.trim()));
const concurrency = Math.max(1, Number(values.concurrency) || 1);
const timeZone = loadClinicConfig(join(PACKAGE_ROOT, 'config/clinic.json')).timezone;

const { voices, missing } = await speakingVoices(wanted);

interface Outcome extends ScenarioCall {
  voice: string;
  scenario: string;
}
const outcomes: Outcome[] = [];
const started = performance.now();
for (const voice of voices) outcomes.push(...(await runVoice(voice)));
const elapsedS = (performance.now() - started) / 1000;

async function runVoice(voice: CallerVoice): Promise<Outcome[]> {
  log(`${voice.name}: ${scenarios.length} scenarios, ${concurrency} at a time`);
  const dir = mkdtempSync(join(tmpdir(), 'phone-agent-scenarios-'));
  const databaseUrl = join(dir, 'store.db');
  const seeded = await seed(databaseUrl);
  // Every caller comes from 127.0.0.1: past the default burst of stream upgrades per address they would be refused (429).
  const server = await ServerProcess.start({
    env: { AGENT_URL: '', DEEPGRAM_API_KEY: '', ADMIN_TOKEN: '', RATE_LIMIT_BURST: '1000', DATABASE_URL: databaseUrl },
  });
  const live = await LiveEvents.connect(server.url);
  const speak = async (text: string) => (await spokenByCaller(voice, [text]))[0]!;
  const queue = [...scenarios];
  const results: Outcome[] = [];
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const options = { streamUrl: server.mediaStreamUrl, server: server.url, live, speak, seeded: seeded.get(next) ?? [] };
        const call = await runScenario(next, options);
        results.push({ voice: voice.name, scenario: next.name, ...call });
        log(`  ${voice.name} ${next.name}: ${call.failures.length === 0 ? 'ok' : `FAILED (${call.failures.join('; ')})`}`);
        if (!server.alive) throw new Error(`the server died:\n${server.outputTail}`);
      }
    }));
  } finally {
    live.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Every scenario's appointments, written to a fresh store before the server opens it. */
async function seed(databaseUrl: string): Promise<Map<Scenario, Seeded[]>> {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
  const store = await openStore(databaseUrl);
  const seeded = new Map<Scenario, Seeded[]>();
  try {
    for (const s of scenarios) {
      const list: Seeded[] = [];
      for (const appointment of s.seed?.(today) ?? []) list.push(await store.createAppointment(appointment));
      seeded.set(s, list);
    }
  } finally {
    await store.close();
  }
  return seeded;
}

const cell = (voice: string, name: string) => outcomes.find((o) => o.voice === voice && o.scenario === name);
const latency = (list: Outcome[]) => {
  const p = percentiles([Float64Array.from(list.flatMap((o) => o.latenciesMs))]);
  return { p50: Math.round(p.p50), p95: Math.round(p.p95), turns: p.count };
};
const width = Math.max(...voices.map((v) => v.name.length)) + 2;
console.log(`scenarios: ${scenarios.length} x ${voices.length} voices, ${concurrency} calls at a time per voice, ${elapsedS.toFixed(0)} s`);
console.log(`${'scenario'.padEnd(14)}${voices.map((v) => v.name.padStart(width)).join('')}`);
for (const s of scenarios) {
  console.log(`${s.name.padEnd(14)}${voices.map((v) => (cell(v.name, s.name)?.failures.length === 0 ? 'ok' : 'FAIL').padStart(width)).join('')}`);
}
const perVoice = voices.map((v) => {
  const mine = outcomes.filter((o) => o.voice === v.name);
  return { voice: v.name, succeeded: mine.filter((o) => o.failures.length === 0).length, scenarios: mine.length, ...latency(mine) };
});
console.log(`${'succeeded'.padEnd(14)}${perVoice.map((p) => `${p.succeeded}/${p.scenarios}`.padStart(width)).join('')}`);
console.log(`${'v2v p50 ms'.padEnd(14)}${perVoice.map((p) => String(p.p50).padStart(width)).join('')}`);
console.log(`${'v2v p95 ms'.padEnd(14)}${perVoice.map((p) => String(p.p95).padStart(width)).join('')}`);
const all = latency(outcomes);
const succeeded = outcomes.filter((o) => o.failures.length === 0).length;
console.log(`all: ${succeeded}/${outcomes.length} succeeded; voice-to-voice p50 ${all.p50} ms, p95 ${all.p95} ms over ${all.turns} answered turns; ` +
  `${outcomes.reduce((n, o) => n + o.unanswered, 0)} caller turns unanswered`);
for (const o of outcomes.filter((x) => x.failures.length > 0)) console.log(`  ${o.voice} ${o.scenario}: ${o.failures.join('; ')}`);
for (const { voice, reason } of missing) console.log(`missing: ${voice} (${reason})`);

const command = `node dist/bench/scenarios.js --voices ${values.voices} --scenarios ${values.scenarios} --concurrency ${concurrency}`;
const complete = wanted.length === CALLER_VOICES.length && scenarios.length === SCENARIOS.length;
log(`wrote ${writeResults(complete ? 'scenarios' : 'scenarios-subset', command, {
  concurrency_per_voice: concurrency,
  missing_voices: missing,
  succeeded,
  calls: outcomes.length,
  voice_to_voice_ms: all,
  per_voice: perVoice,
  calls_detail: outcomes.map((o) => ({
    voice: o.voice,
    scenario: o.scenario,
    ok: o.failures.length === 0,
    failures: o.failures,
    outcome: o.result.outcome,
    function_calls: o.result.functionCalls.map((c) => c.name),
    latencies_ms: o.latenciesMs.map(Math.round),
    unanswered: o.unanswered,
    heard: o.result.heard,
    agent_said: o.result.agentSaid,
  })),
  seconds: Math.round(elapsedS),
})}`);

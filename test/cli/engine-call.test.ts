// `phone-agent call` against `phone-agent serve`, both as a user runs them (child processes), with the
// embedded engine answering: flite callers through a phone line, pocketsphinx, the clinic dialog.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';
import type { CallReport } from '../../src/cli/call.js';

let dir: string;
let server: ChildProcess;
let port: number;
let serverErrors = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

async function ready(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`phone-agent serve exited with ${server.exitCode}: ${serverErrors}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('phone-agent serve did not become ready');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phone-agent-engine-call-'));
  port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: join(dir, 'calls.db'), LOG_LEVEL: 'warn' };
  for (const name of ['AGENT_URL', 'DEEPGRAM_API_KEY', 'OPENAI_API_KEY', 'ADMIN_TOKEN', 'TWILIO_AUTH_TOKEN']) delete env[name];
  server = spawn(process.execPath, ['bin/phone-agent', 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr!.setEncoding('utf8').on('data', (d: string) => (serverErrors = (serverErrors + d).slice(-4000)));
  await ready(`http://127.0.0.1:${port}/readyz`, 30_000);
});

after(async () => {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await rm(dir, { recursive: true, force: true });
});

test('a two-turn call to the embedded engine: the transcript has what each side said, every turn a plausible latency', async () => {
  const utterances = ['--say', 'I would like to book an appointment', '--say', 'Next Tuesday in the morning'];
  const run = await runCli(['call', '--url', `ws://127.0.0.1:${port}/media-stream`, ...utterances, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as CallReport;
  assert.equal(report.ok, true);

  const roles = report.transcript.map((t) => t.role);
  assert.equal(roles[0], 'assistant', 'the agent greets first');
  assert.equal(roles.filter((r) => r === 'user').length, 2, JSON.stringify(report.transcript));
  // Each caller turn is answered.
  assert.equal(roles.at(-1), 'assistant');
  assert.ok(report.transcript.every((t) => t.text.trim().length > 0));
  const userLines = report.transcript.filter((t) => t.role === 'user').map((t) => t.text);
  assert.match(userLines[0]!, /appointment/i, `the engine heard ${JSON.stringify(userLines)}`);

  assert.equal(report.turns.length, 2);
  for (const { latency_ms } of report.turns) {
    assert.ok(typeof latency_ms === 'number' && Number.isFinite(latency_ms) && latency_ms > 0, `latency ${latency_ms}`);
  }
  assert.ok(report.agent_audio_ms > 0);
  assert.ok(report.clears >= 0);
});

// `phone-agent bench --compare relay`: a tiny load through phone-agent and through the bare relay, both
// real processes. Checks that each side carried every frame and that the report pairs them, never
// timings (those belong to bench/). Then the pairing and medians of several runs, on made-up figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONTRACT_KEYS } from './contract.js';
import { compareWithRelay, comparisonSeries, type RelayComparison } from '../../src/bench/relay-compare.js';
import type { BridgeBenchResult } from '../../src/bench/bridge-bench.js';

test('phone-agent bench --compare relay carries every frame through both and reports both with ratios', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-compare-test-'));
  const file = join(dir, 'compare.json');
  try {
    const load = ['--calls', '3', '--duration', '2', '--baseline-duration', '1', '--warmup', '1'];
    const args = ['bin/phone-agent', 'bench', '--compare', 'relay', ...load, '--json', file];
    const { stdout } = await promisify(execFile)(process.execPath, args);
    const report = JSON.parse(readFileSync(file, 'utf8')) as RelayComparison;
    assert.deepEqual(Object.keys(report).sort(), ['phone_agent', 'ratio', 'relay']);
    for (const side of ['phone_agent', 'relay'] as const) {
      const r = report[side] as BridgeBenchResult;
      for (const key of CONTRACT_KEYS) assert.ok(key in r, `${side}: missing key ${key}`);
      assert.equal(r.calls, 3, side);
      assert.equal(r.completed, 3, `${side}: ${JSON.stringify(r.failures)}`);
      assert.equal(r.failed, 0, side);
      assert.equal(r.frames_lost, 0, side);
      assert.equal(r.sequence_breaks, 0, `${side}: frames out of order`);
      // 3 calls x 50 frames/s x (1 s warm-up + 2 s) each way, give or take the clock's edges.
      assert.ok(r.frames_sent > 800, `${side}: frames_sent ${r.frames_sent}`);
      assert.ok(r.server_cpu_percent > 0 && r.server_rss_mb > 0, side);
    }
    assert.deepEqual(Object.keys(report.ratio).sort(), ['cpu_per_call', 'inbound_p99', 'outbound_p99']);
    assert.ok(typeof report.ratio.cpu_per_call === 'number' && report.ratio.cpu_per_call > 0, JSON.stringify(report.ratio));
    for (const r of [report.ratio.inbound_p99, report.ratio.outbound_p99]) assert.ok(r === null || r > 0, JSON.stringify(report.ratio));
    const header = stdout.split('\n')[1] ?? '';
    assert.match(header, /phone-agent\s+relay\s+phone-agent\/relay/);
    assert.match(stdout, /^CPU % per call\s+\S+\s+\S+\s+\d+\.\d\dx$/m);
    assert.match(stdout, /^frames lost\s+0\s+0$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function figures(cpu: number, inboundP99: number, failed = 0): BridgeBenchResult {
  const latency = { p50: 0.1, p99: inboundP99, max: 1 };
  return {
    calls: 10,
    completed: 10 - failed,
    failed,
    frames_sent: 1000,
    frames_lost: failed,
    inbound_added_latency_ms: latency,
    outbound_added_latency_ms: { p50: 0.1, p99: 0, max: 1 },
    server_cpu_percent: cpu,
    server_rss_mb: 100,
    rss_mb_per_call: 0.1,
  };
}

test('repeated comparisons alternate the servers and report medians, the worst failure, and no ratio over a zero', () => {
  assert.deepEqual(comparisonSeries(2), ['phone-agent', 'relay', 'phone-agent', 'relay']);
  const results = [figures(30, 0.3), figures(10, 0.1), figures(20, 0.2, 2), figures(12, 0.1), figures(40, 0.5), figures(11, 0.2)];
  const c = compareWithRelay(results);
  assert.equal(c.phone_agent.server_cpu_percent, 30);
  assert.equal(c.relay.server_cpu_percent, 11);
  assert.equal(c.phone_agent.failed, 2);
  assert.equal(c.phone_agent.frames_lost, 2);
  assert.equal(c.phone_agent.completed, 8);
  assert.deepEqual(c.ratio, { cpu_per_call: 2.73, inbound_p99: 3, outbound_p99: null });
  assert.equal(c.runs?.phone_agent.length, 3);
  assert.equal(c.runs?.relay.length, 3);
  assert.equal(compareWithRelay(results.slice(0, 2)).runs, undefined);
});

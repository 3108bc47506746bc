// Smoke test of `phone-agent bench`: a handful of calls for a few seconds, through a real server
// process. Checks the shape and sanity of the report, never timings (those belong to bench/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONTRACT_KEYS } from './contract.js';

test('phone-agent bench --calls 5 --duration 3 writes a complete, loss-free report', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  const file = join(dir, 'bench.json');
  try {
    const args = ['--calls', '5', '--duration', '3', '--baseline-duration', '1', '--warmup', '1', '--barge-in-every', '1000', '--json', file];
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/phone-agent', 'bench', ...args]);
    const report = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(JSON.parse(stdout), report);
    for (const key of CONTRACT_KEYS) assert.ok(key in report, `missing key ${key}`);
    assert.equal(report.calls, 5);
    assert.equal(report.completed, 5);
    assert.equal(report.failed, 0);
    assert.equal(report.frames_lost, 0);
    // 5 calls x 50 frames/s x (1 s warm-up + 3 s) each way, give or take the clock's edges.
    assert.ok((report.frames_sent as number) > 1500, `frames_sent ${String(report.frames_sent)}`);
    for (const key of ['inbound_added_latency_ms', 'outbound_added_latency_ms'] as const) {
      const p = report[key] as Record<string, number>;
      assert.deepEqual(Object.keys(p).sort(), ['max', 'p50', 'p99']);
      for (const v of Object.values(p)) assert.ok(Number.isFinite(v) && v >= 0, `${key}: ${JSON.stringify(p)}`);
    }
    for (const key of ['server_cpu_percent', 'server_rss_mb', 'rss_mb_per_call'] as const) {
      assert.ok(Number.isFinite(report[key]), `${key}: ${String(report[key])}`);
    }
    assert.ok((report.server_rss_mb as number) > 0);
    assert.ok((report.barge_ins as number) > 0, 'the peer interrupted and the caller saw clear');
    assert.equal(report.barge_ins_unanswered, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

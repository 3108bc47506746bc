// Where benchmark results go and what they say about the machine that produced them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/bench/server-process.js';

export const RESULTS_DIR = join(PACKAGE_ROOT, 'bench/results');

export function machine(): Record<string, unknown> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim(),
    date: new Date().toISOString(),
  };
}

/** Writes bench/results/<name>.json with the command that reproduces it. */
export function writeResults(name: string, command: string, results: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ command, machine: machine(), ...results }, null, 2)}\n`);
  return file;
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

#!/usr/bin/env node
// Runs every compiled test under dist/test whose TypeScript source still exists (a deleted test must
// not keep running from a stale build), with Node's built-in test runner.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);

function* testFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* testFiles(p);
    else if (entry.name.endsWith('.test.js')) yield p;
  }
}

const files = [...testFiles(join(root, 'dist', 'test'))]
  .filter((f) => existsSync(join(root, relative(join(root, 'dist'), f)).replace(/\.js$/, '.ts')))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=120000', ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
});
process.exit(r.status ?? 1);

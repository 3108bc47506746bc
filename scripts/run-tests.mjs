#!/usr/bin/env node
// Runs the static checks (ESLint, and the import boundaries of .dependency-cruiser.cjs), then every
// compiled test under dist/test whose TypeScript source still exists (a deleted test must not keep
// running from a stale build), with Node's built-in test runner. The tests run even when a check fails,
// so one CI run reports everything; the exit code is a failure if either did.
// Given arguments, it runs only the tests whose path contains one of them, and skips the checks: that
// is the quick loop while working on one test. `npm test` with no arguments (as CI runs it) does both.
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

/** The checks are package.json scripts, so `npm run lint` by hand and this run check the same thing. */
const checks = [
  { script: 'lint', what: 'ESLint', fix: 'run `npm run lint` and fix what it reports' },
  {
    script: 'check:layers',
    what: 'the import boundaries between src/ folders',
    fix: 'each line names the rule it breaks; the rules and their reasons are in .dependency-cruiser.cjs',
  },
];

const failedChecks = [];
if (only.length === 0) {
  for (const check of checks) {
    process.stderr.write(`[check] ${check.what} (npm run ${check.script})\n`);
    const c = spawnSync('npm', ['run', '--silent', check.script], { stdio: 'inherit', cwd: root });
    if (c.status !== 0) failedChecks.push(check);
  }
}

const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=120000', ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
});

for (const check of failedChecks) {
  process.stderr.write(`\n[check] FAILED: ${check.what} (npm run ${check.script}): ${check.fix}\n`);
}
process.exit(failedChecks.length > 0 ? 1 : (r.status ?? 1));

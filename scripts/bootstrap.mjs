#!/usr/bin/env node
// Brings a fresh Debian/Ubuntu machine to a runnable state: Debian packages for the embedded engine
// (and with --tests or --bench what the tests or the speech benchmarks need), npm dependencies, and the
// TypeScript build. Each step is skipped when already satisfied, so
// `npm start` and `npm test` can call it every time. Plain Node, no dependencies: it runs before any exist.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--tests');
const forBench = process.argv.includes('--bench');

/** Debian packages the embedded engine needs at run time (speech-to-text, text-to-speech). */
const runtimePackages = ['flite', 'pocketsphinx', 'pocketsphinx-en-us', 'libpocketsphinx3', 'libsphinxbase3'];
/**
 * Extra packages the test suite needs: a real browser for the dashboard tests; Redis for the shared-state
 * tests (each starts its own); for the multi-host tests (test/scale-out) a load balancer too, and `ip` for
 * network namespaces.
 */
const testPackages = ['chromium', 'redis-server', 'haproxy', 'iproute2'];
/**
 * Extra packages the speech benchmarks need: synthetic callers from other synthesizers than flite (festival
 * with two diphone voices and an HTS voice, espeak-ng). Kept in step with bench/lib/caller-voices.ts.
 */
const benchPackages = ['festival', 'festvox-kallpc16k', 'festvox-kdlpc16k', 'festvox-us-slt-hts', 'espeak-ng'];

function log(msg) {
  process.stderr.write(`[bootstrap] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status ?? r.signal}`);
  }
}

function missingDebianPackages(names) {
  return names.filter((name) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function ensureDebianPackages() {
  const wanted = [...runtimePackages, ...(forTests ? testPackages : []), ...(forBench ? benchPackages : [])];
  if (spawnSync('dpkg-query', ['--version']).status !== 0) {
    log(`not a Debian system: install ${wanted.join(' ')} with your package manager`);
    return;
  }
  const missing = missingDebianPackages(wanted);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    log(`missing Debian packages; run: sudo apt-get install -y ${missing.join(' ')}`);
    if (missing.some((p) => runtimePackages.includes(p))) process.exit(1);
    return;
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (!stale) return;
  // A git worktree may share another checkout's dependencies through a link: `npm ci` here would empty
  // that checkout's node_modules (the link's target) under everyone using it.
  if (existsSync(join(root, 'node_modules')) && lstatSync(join(root, 'node_modules')).isSymbolicLink()) {
    log(`node_modules links to ${realpathSync(join(root, 'node_modules'))}, which looks older than package-lock.json: not reinstalling through the link`);
    return;
  }
  log('installing npm dependencies');
  // onnxruntime-node's postinstall fetches a CUDA provider from the internet; its CPU build ships in the
  // package. .npmrc says skip too, but npm is phasing out unknown .npmrc keys: the variable always works.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
  run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'], { env });
}

function ensureBuild() {
  // Incremental: a no-op build takes about a second, so always running it is simpler than guessing staleness.
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '-p', 'tsconfig.json']);
  // The dashboard's browser modules: DOM types, no Node types, so a separate program.
  run(process.execPath, [tsc, '-p', 'tsconfig.web.json']);
}

try {
  ensureDebianPackages();
  ensureNodeModules();
  ensureBuild();
} catch (err) {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
}

// The bench's /proc readings over a process tree (a server that forks workers) and its CPU lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { ProcSampler, processTree, rssMb, treeRssMb } from '../../src/bench/proc-sampler.js';
import { allowedCpus, parseCpuList, pinProcess, threadCpus } from '../../src/bench/cpu-affinity.js';

/** A parent that idles while its child (the grandchild of the test) spins: prints the grandchild's pid. */
const PARENT = `
const { spawn } = require('node:child_process');
const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 20000; while (Date.now() < end) {}'], { stdio: 'ignore' });
process.stdout.write(busy.pid + '\\n');
process.on('SIGTERM', () => { busy.kill('SIGKILL'); process.exit(0); });
setInterval(() => {}, 1000);
`;

async function startParent(): Promise<{ parent: ChildProcess; grandchild: number }> {
  const parent = spawn(process.execPath, ['-e', PARENT], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
  return { parent, grandchild: Number(line.toString().trim()) };
}

async function stop(parent: ChildProcess): Promise<void> {
  const exited = once(parent, 'exit');
  parent.kill('SIGTERM');
  await exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a tree sampler counts a busy grandchild that the single-process sampler does not', { timeout: 30_000 }, async () => {
  const { parent, grandchild } = await startParent();
  try {
    await sleep(300); // the grandchild is running
    const tree = processTree(parent.pid!);
    assert.deepEqual(tree.map((p) => p.pid).sort(), [parent.pid!, grandchild].sort());
    const own = new ProcSampler(parent.pid!);
    const whole = new ProcSampler(parent.pid!, { tree: true });
    await sleep(1500);
    const ownUsage = own.stop();
    const wholeUsage = whole.stop();
    // The spinning grandchild has most of a core (the machine may be shared: well under 100 is fine).
    assert.ok(wholeUsage.cpuPercent > 40, `tree CPU ${wholeUsage.cpuPercent}%`);
    assert.ok(ownUsage.cpuPercent < 20, `parent's own CPU ${ownUsage.cpuPercent}%`);
    assert.ok(wholeUsage.cpuPercent > ownUsage.cpuPercent + 30);
    assert.equal(wholeUsage.peakProcesses, 2);
    assert.equal(ownUsage.peakProcesses, 1);
    assert.ok(wholeUsage.peakRssMb > ownUsage.peakRssMb, `tree RSS ${wholeUsage.peakRssMb} MB vs own ${ownUsage.peakRssMb} MB`);
    assert.ok(treeRssMb(parent.pid!) > rssMb(parent.pid!));
  } finally {
    await stop(parent);
  }
});

test('a process forked during the window counts whole', { timeout: 30_000 }, async () => {
  // Sampling starts before the parent has forked anything.
  const parent = spawn(process.execPath, ['-e', `setTimeout(() => { ${PARENT.replace(/\n/g, ' ')} }, 500)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const whole = new ProcSampler(parent.pid!, { tree: true, intervalMs: 100 });
    await once(parent.stdout!, 'data');
    await sleep(1500);
    const usage = whole.stop();
    assert.equal(usage.processesSeen, 2); // the parent, and the busy child it forked after sampling began
    assert.ok(usage.cpuPercent > 30, `tree CPU ${usage.cpuPercent}%`);
  } finally {
    await stop(parent);
  }
});

test('for a process without children the tree sampler equals the single-process sampler', { timeout: 30_000 }, async () => {
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await sleep(500);
    const own = new ProcSampler(idle.pid!);
    const whole = new ProcSampler(idle.pid!, { tree: true });
    await sleep(600);
    const a = own.stop();
    const b = whole.stop();
    assert.equal(b.peakProcesses, 1);
    assert.equal(b.processesSeen, 1);
    // The same CPU time (ms) to within one clock tick (the two read /proc a moment apart), the same RSS.
    assert.ok(Math.abs((a.cpuPercent * a.wallMs) / 100 - (b.cpuPercent * b.wallMs) / 100) <= 10, `${a.cpuPercent}% vs ${b.cpuPercent}%`);
    assert.ok(Math.abs(b.peakRssMb - a.peakRssMb) < 1, `${a.peakRssMb} vs ${b.peakRssMb} MB`);
  } finally {
    idle.kill('SIGKILL');
    await once(idle, 'exit');
  }
});

test('CPU lists parse as taskset reads them and are checked against the machine', () => {
  assert.deepEqual(parseCpuList('0', 2), [0]);
  assert.deepEqual(parseCpuList('1,0', 2), [0, 1]);
  assert.deepEqual(parseCpuList('0-3,6', 8), [0, 1, 2, 3, 6]);
  assert.throws(() => parseCpuList('2', 2), /does not exist/);
  assert.throws(() => parseCpuList('1-0', 2), /backwards/);
  assert.throws(() => parseCpuList('a', 2), /not a CPU list/);
  assert.throws(() => parseCpuList('', 2), /not a CPU list/);
});

test('pinning a running process pins every thread of it, not the children it already had', { timeout: 30_000 }, async () => {
  const { parent, grandchild } = await startParent();
  try {
    pinProcess(parent.pid!, '0');
    assert.deepEqual(threadCpus(parent.pid!), ['0']);
    assert.equal(allowedCpus(parent.pid!), '0');
    // The grandchild existed before: pinning a process does not reach its children.
    if (cpus().length > 1) assert.notEqual(allowedCpus(grandchild), '0');
  } finally {
    await stop(parent);
  }
});

test('an exited child not yet reaped (a zombie) counts as no memory, not as NaN for the whole tree', async () => {
  // The shell starts a child that exits at once, then becomes `sleep`, which never reaps it.
  const parent = spawn('sh', ['-c', 'true & exec sleep 5'], { stdio: 'ignore' });
  try {
    let tree = processTree(parent.pid!);
    for (let i = 0; i < 100 && tree.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      tree = processTree(parent.pid!);
    }
    assert.equal(tree.length, 2, 'the shell-turned-sleep and its zombie child');
    assert.ok(Number.isFinite(treeRssMb(parent.pid!)) && treeRssMb(parent.pid!) > 0);
  } finally {
    await stop(parent);
  }
});

// CPU and memory of another process (or of a process and all its descendants), read from /proc the
// way `top` does.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The fields of /proc/<pid>/stat after the command name (field 3, `state`, is index 0). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields from the closing parenthesis.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU time of a process, in ms (/proc/<pid>/stat fields 14 and 15). */
export function cpuTimeMs(pid: number): number {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** User and system (kernel) CPU time of a process, in ms, apart (/proc/<pid>/stat fields 14 and 15). */
export function cpuTimesMs(pid: number): { user: number; system: number } {
  const fields = statFields(pid);
  return { user: (Number(fields[11]) * 1000) / CLOCK_TICKS_PER_SECOND, system: (Number(fields[12]) * 1000) / CLOCK_TICKS_PER_SECOND };
}

/** Resident set size in MB (VmRSS in /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** One process as /proc shows it right now. `key` tells a pid apart from a later process reusing it. */
export interface ProcInfo {
  pid: number;
  key: string;
  cpuMs: number;
  rssMb: number;
}

/**
 * `root` and every live descendant (children, grandchildren, ...), found afresh from the ppid field
 * (/proc/<pid>/stat field 4) of every process on the machine. Processes that exit while being read
 * are skipped. Threads are not processes here: a process's CPU time already includes its threads'.
 */
export function processTree(root: number): ProcInfo[] {
  const children = new Map<number, number[]>();
  const stats = new Map<number, string[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    let fields: string[];
    try {
      fields = statFields(pid);
    } catch {
      continue; // gone since readdir
    }
    stats.set(pid, fields);
    const ppid = Number(fields[1]);
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const tree: ProcInfo[] = [];
  const pending = stats.has(root) ? [root] : [];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    const fields = stats.get(pid)!;
    let rss: number;
    try {
      rss = rssMb(pid);
    } catch {
      continue; // exited between the two reads
    }
    tree.push({
      pid,
      // Field 22, starttime: a pid reused by a later process has a later start.
      key: `${pid}@${fields[19]}`,
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND,
      // An exited child not yet reaped (a zombie, e.g. a finished flite) has no VmRSS: it holds no memory.
      rssMb: Number.isNaN(rss) ? 0 : rss,
    });
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Resident set size of a process and all its descendants, in MB (shared pages count once per process). */
export function treeRssMb(root: number): number {
  return processTree(root).reduce((mb, p) => mb + p.rssMb, 0);
}

interface CpuTimes {
  /** Ticks counted busy (user, nice, system, irq, softirq, steal), in ms. */
  busy: number;
  /** Idle and iowait, in ms. */
  idle: number;
}

/** The whole machine's and each core's CPU times, from /proc/stat. */
export function cpuTimes(): { machine: CpuTimes; perCpu: CpuTimes[] } {
  let machine: CpuTimes = { busy: 0, idle: 0 };
  const perCpu: CpuTimes[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    if (!line.startsWith('cpu')) break;
    const [name, ...rest] = line.trim().split(/\s+/);
    const t = rest.map(Number);
    const idle = t[3]! + t[4]!;
    const times = { busy: ((t.slice(0, 8).reduce((a, b) => a + b, 0) - idle) * 1000) / CLOCK_TICKS_PER_SECOND, idle: (idle * 1000) / CLOCK_TICKS_PER_SECOND };
    if (name === 'cpu') machine = times;
    else perCpu[Number(name!.slice(3))] = times;
  }
  return { machine, perCpu };
}

/** CPU time spent by the whole machine (every core, every process) outside idle and iowait, in ms, as ticks count it. */
export function machineBusyMs(): number {
  return cpuTimes().machine.busy;
}

export interface ProcSamplerOptions {
  intervalMs?: number;
  /**
   * Count the process and all its descendants (re-discovered at every sample), e.g. a server that
   * forks workers. CPU is the sum over every process seen during the window of its CPU time since the
   * window began (or since it started, if it started later); a descendant that exits counts up to its
   * last sample. RSS is the peak of the sum over the live processes. For a process without children
   * the figures are exactly those of the single-process sampler.
   */
  tree?: boolean;
}

export interface ProcUsage {
  /** Percent of one core: 100 is one core busy, 200 both cores of this machine. */
  cpuPercent: number;
  /**
   * The whole machine's busy share: cores x 100 less the idle share. Not /proc/stat's busy ticks: under
   * loopback socket load on this VM they are off by a fifth either way (busy ticks + idle added up to
   * 164 % of 2 cores in one 500-call socket-floor run, 222 % in the next), while every process's own
   * CPU time (the scheduler's) + idle added up to 199 % both times: the idle count is the exact one.
   */
  machineCpuPercent: number;
  /** The same from /proc/stat's busy ticks (under-counts under heavy socket traffic, see above). */
  machineTickBusyPercent: number;
  /** Each core's busy share over the window, 0-100 (others' work included): 100 less its idle share. */
  perCpuBusyPercent: number[];
  peakRssMb: number;
  /** The most processes counted at one sample (1 unless tree and it has children). */
  peakProcesses: number;
  /** Distinct processes counted over the window. */
  processesSeen: number;
  /** Length of the window. */
  wallMs: number;
}

/** Samples a process (or process tree) over a window: its average CPU, the machine's, and its peak RSS. */
export class ProcSampler {
  readonly #pid: number;
  readonly #tree: boolean;
  readonly #startedAt = performance.now();
  readonly #startTimes = cpuTimes();
  readonly #timer: NodeJS.Timeout;
  /** Per process (by key): CPU ms when first seen in the window, and at the latest sample. */
  readonly #cpu = new Map<string, { first: number; last: number }>();
  #startCpuMs = 0;
  #peakRssMb = 0;
  #peakProcesses = 0;

  constructor(pid: number, options: ProcSamplerOptions = {}) {
    this.#pid = pid;
    this.#tree = options.tree ?? false;
    if (this.#tree) {
      // Processes alive now count from now; any found later started inside the window and count whole.
      for (const p of processTree(pid)) this.#cpu.set(p.key, { first: p.cpuMs, last: p.cpuMs });
    } else {
      this.#startCpuMs = cpuTimeMs(pid);
    }
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), options.intervalMs ?? 250);
  }

  stop(): ProcUsage {
    clearInterval(this.#timer);
    this.#sample();
    const wallMs = performance.now() - this.#startedAt;
    const times = cpuTimes();
    let cpuMs: number;
    if (this.#tree) {
      cpuMs = [...this.#cpu.values()].reduce((ms, c) => ms + (c.last - c.first), 0);
    } else {
      cpuMs = cpuTimeMs(this.#pid) - this.#startCpuMs;
    }
    return {
      cpuPercent: (cpuMs / wallMs) * 100,
      machineCpuPercent: times.perCpu.length * 100 - ((times.machine.idle - this.#startTimes.machine.idle) / wallMs) * 100,
      machineTickBusyPercent: ((times.machine.busy - this.#startTimes.machine.busy) / wallMs) * 100,
      perCpuBusyPercent: times.perCpu.map((t, i) => 100 - ((t.idle - (this.#startTimes.perCpu[i]?.idle ?? 0)) / wallMs) * 100),
      peakRssMb: this.#peakRssMb,
      peakProcesses: this.#peakProcesses,
      processesSeen: this.#tree ? this.#cpu.size : 1,
      wallMs,
    };
  }

  #sample(): void {
    if (!this.#tree) {
      this.#peakRssMb = Math.max(this.#peakRssMb, rssMb(this.#pid));
      this.#peakProcesses = 1;
      return;
    }
    const tree = processTree(this.#pid);
    let rss = 0;
    for (const p of tree) {
      rss += p.rssMb;
      const c = this.#cpu.get(p.key);
      if (c) c.last = p.cpuMs;
      else this.#cpu.set(p.key, { first: 0, last: p.cpuMs });
    }
    this.#peakRssMb = Math.max(this.#peakRssMb, rss);
    this.#peakProcesses = Math.max(this.#peakProcesses, tree.length);
  }
}

// CPU and memory of another process, read from /proc the way `top` does.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU time of a process, in ms (/proc/<pid>/stat fields 14 and 15). */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields from the closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size in MB (VmRSS in /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** CPU time spent by the whole machine (every core, every process) outside idle and iowait, in ms. */
export function machineBusyMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + cpu[4]!;
  return ((total - idle) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Samples a process over a window: its average CPU, the whole machine's, and the process's peak RSS. */
export class ProcSampler {
  readonly #pid: number;
  readonly #startedAt = performance.now();
  readonly #startCpuMs: number;
  readonly #startMachineMs = machineBusyMs();
  readonly #timer: NodeJS.Timeout;
  #peakRssMb = 0;

  constructor(pid: number, intervalMs = 250) {
    this.#pid = pid;
    this.#startCpuMs = cpuTimeMs(pid);
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  /** CPU percentages are of one core: 100 is one core busy, 200 both cores of this machine. */
  stop(): { cpuPercent: number; machineCpuPercent: number; peakRssMb: number } {
    clearInterval(this.#timer);
    this.#sample();
    const wallMs = performance.now() - this.#startedAt;
    return {
      cpuPercent: ((cpuTimeMs(this.#pid) - this.#startCpuMs) / wallMs) * 100,
      machineCpuPercent: ((machineBusyMs() - this.#startMachineMs) / wallMs) * 100,
      peakRssMb: this.#peakRssMb,
    };
  }

  #sample(): void {
    this.#peakRssMb = Math.max(this.#peakRssMb, rssMb(this.#pid));
  }
}

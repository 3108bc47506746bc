// Pinning benchmark processes to CPUs with taskset(1), so the server and the load generator can be
// measured on a core each ("calls per core") instead of competing for both.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

export const TASKSET = '/usr/bin/taskset';

/**
 * The CPUs of a taskset-style list ("0", "1,3", "0-2,5"), checked against the machine's: a typo should
 * fail before a long run starts, not show up as an unpinned result.
 */
export function parseCpuList(list: string, cores = cpus().length): number[] {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(list)) throw new Error(`not a CPU list: ${JSON.stringify(list)} (expected e.g. 0 or 0,1 or 0-1)`);
  const out = new Set<number>();
  for (const part of list.split(',')) {
    const [a, b = a] = part.split('-').map(Number) as [number, number?];
    if (b! < a) throw new Error(`not a CPU list: ${JSON.stringify(list)} (range ${part} runs backwards)`);
    for (let cpu = a; cpu <= b!; cpu++) {
      if (cpu >= cores) throw new Error(`CPU ${cpu} in ${JSON.stringify(list)} does not exist: this machine has CPUs 0-${cores - 1}`);
      out.add(cpu);
    }
  }
  return [...out].sort((x, y) => x - y);
}

function requireTaskset(): void {
  if (!existsSync(TASKSET)) {
    throw new Error(`pinning to CPUs needs ${TASKSET} (util-linux), which is not installed: apt-get install util-linux, or drop the --*-cpus flags`);
  }
}

/** The command prefix that starts a program pinned to `list` (taskset execs it: same pid). */
export function pinnedCommand(list: string, command: string, args: string[]): { command: string; args: string[] } {
  parseCpuList(list);
  requireTaskset();
  return { command: TASKSET, args: ['-c', list, command, ...args] };
}

/**
 * Pins every thread of a running process (`taskset -a -p -c`). Threads it creates later inherit the
 * affinity of the thread that creates them, so pinning the bench before it starts its worker threads
 * pins those too; `threadCpus` checks.
 */
export function pinProcess(pid: number, list: string): void {
  parseCpuList(list);
  requireTaskset();
  execFileSync(TASKSET, ['-a', '-p', '-c', list, String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The CPU list a process (its main thread) may run on, as the kernel reports it (Cpus_allowed_list). */
export function allowedCpus(pid: number, tid = pid): string {
  const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
  return /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? 'unknown';
}

/** The distinct CPU lists of all of a process's threads: one entry when every thread is pinned alike. */
export function threadCpus(pid: number): string[] {
  const lists = new Set<string>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      lists.add(allowedCpus(pid, Number(tid)));
    } catch {
      // thread gone
    }
  }
  return [...lists].sort();
}

// A small helper process whose only job is to start `flite`. Starting a program from the server itself
// blocks its event loop for as long as the kernel takes to copy the server's page tables: about 20 ms at
// 500 MB of memory, paid once per spoken sentence, by every call in the process. From this process
// (a few tens of MB) it costs well under a millisecond, and not on the server's loop.
//
// Protocol (IPC, JSON): { id, args } runs `flite ...args` and answers { id, code, stderr, missing };
// { id, abort: true } kills that run (its answer still follows).
import { spawn, type ChildProcess } from 'node:child_process';

export interface FliteRun {
  id: number;
  args: string[];
}
export interface FliteAbort {
  id: number;
  abort: true;
}
export interface FliteResult {
  id: number;
  code: number | null;
  stderr: string;
  /** flite is not installed. */
  missing: boolean;
}

const running = new Map<number, ChildProcess>();

process.on('message', (message: FliteRun | FliteAbort) => {
  if ('abort' in message) {
    running.get(message.id)?.kill('SIGKILL');
    return;
  }
  const { id, args } = message;
  const child = spawn('flite', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.set(id, child);
  let stderr = '';
  let missing = false;
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.on('error', (err: NodeJS.ErrnoException) => {
    missing = err.code === 'ENOENT';
    stderr += err.message;
  });
  child.on('close', (code) => {
    running.delete(id);
    process.send!({ id, code, stderr, missing } satisfies FliteResult);
  });
});

// The server owns this process: when it goes, so does the runner.
process.on('disconnect', () => {
  for (const child of running.values()) child.kill('SIGKILL');
  process.exit(0);
});

// Copies a SQLite database's write-ahead log into the database file from a worker thread. A checkpoint
// syncs the file to disk, and SQLite's automatic one runs inside whichever COMMIT crosses the log's
// size limit: on the event loop, where under a busy disk the sync stalled every call's audio by tens of
// milliseconds (store writes of 25 ms p99 while other jobs wrote to the same disk). So the connection
// on the event loop never checkpoints (wal_autocheckpoint 0), and this thread's own connection does it
// every CHECKPOINT_EVERY_MS, PASSIVE: it copies what no reader still needs and never makes a writer wait.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const CHECKPOINT_EVERY_MS = 1000;

export interface WalCheckpointer {
  /** Stops after one last checkpoint; resolves once the thread has exited. */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing the database at `path` (a file, in WAL mode) from a thread of its own.
 * `failed` is told if the thread dies, so that the caller can checkpoint by itself again.
 */
export function startWalCheckpointer(path: string, failed: (err: Error) => void): WalCheckpointer {
  const worker = new Worker(new URL(import.meta.url), { workerData: { path } });
  // Checkpointing is housekeeping: it never keeps the process alive, except to finish when stopped.
  worker.unref();
  worker.once('error', failed);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop: async () => {
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}

function checkpointLoop(path: string): void {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  const checkpoint = () => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or locked by another process's checkpoint: the next tick tries again.
    }
  };
  const timer = setInterval(checkpoint, CHECKPOINT_EVERY_MS);
  parentPort!.once('message', () => {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort!.close();
  });
}

if (!isMainThread && (workerData as { path?: unknown } | null)?.path !== undefined) checkpointLoop((workerData as { path: string }).path);

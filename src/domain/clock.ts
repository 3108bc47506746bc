// Time as a call and the engine see it. Every timer a session starts goes through its Clock, so a test
// can substitute one and a closed session can cancel all of them.

export interface Clock {
  /** Milliseconds since the epoch, with sub-millisecond precision, never going backwards. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A system timer that may be re-armed: its handle outlives the first Node timer. */
interface SystemTimer {
  timer: NodeJS.Timeout;
}

/**
 * Node fires a timer by its loop's millisecond clock, which can run up to a millisecond ahead of
 * `performance.now()`: a callback that compares `now()` with its deadline would find it not yet due and
 * wait for a timer that never comes. So a timer that fires early is re-armed for the rest.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => {
    const due = performance.now() + ms;
    const fire = () => {
      const left = due - performance.now();
      if (left > 0) handle.timer = setTimeout(fire, Math.ceil(left));
      else fn();
    };
    const handle: SystemTimer = { timer: setTimeout(fire, ms) };
    return handle;
  },
  clearTimeout: (handle) => clearTimeout((handle as SystemTimer | undefined)?.timer),
};

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal.reason);
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// Thread entry: one LoadDriver per run, directed by the bench's main thread.
import { serveRequests } from './worker-rpc.js';
import { LoadDriver, type DriverOptions } from './load-driver.js';

let driver: LoadDriver | undefined;

function current(): LoadDriver {
  if (!driver) throw new Error('no driver running');
  return driver;
}

serveRequests({
  connect: (options: DriverOptions) => {
    driver = new LoadDriver(options);
    return driver.connect();
  },
  phase: (phase: 'warmup' | 'measure' | 'quiet') => current().setPhase(phase),
  counts: () => current().counts(),
  hangUp: async (timeoutMs: number) => {
    const report = await current().hangUp(timeoutMs);
    driver = undefined;
    return report;
  },
});

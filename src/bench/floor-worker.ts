// Thread entry: one FloorLoad (the socket floor's callers and agent side) per run, directed by the
// socket floor's main thread.
import { serveRequests } from './worker-rpc.js';
import { FloorLoad, type FloorLoadOptions } from './floor-load.js';

let load: FloorLoad | undefined;

function current(): FloorLoad {
  if (!load) throw new Error('no floor load running');
  return load;
}

serveRequests({
  listen: (options: FloorLoadOptions) => {
    load = new FloorLoad(options);
    return load.listen();
  },
  connect: (forwarderPort: number) => current().connect(forwarderPort),
  phase: (phase: 'warmup' | 'measure' | 'quiet') => current().setPhase(phase),
  counts: () => current().counts(),
  finish: async () => {
    const report = await current().finish();
    load = undefined;
    return report;
  },
});

// Thread entry: hosts one EchoPeer at a time, directed by the bench's main thread.
import { serveRequests } from './worker-rpc.js';
import { EchoPeer, type EchoPeerOptions } from './echo-peer.js';

let peer: EchoPeer | undefined;

function current(): EchoPeer {
  if (!peer) throw new Error('no peer running');
  return peer;
}

serveRequests({
  start: async (options: EchoPeerOptions) => {
    peer = await EchoPeer.start(options);
    return peer.url;
  },
  counts: () => current().counts(),
  quiet: () => current().quiet(),
  report: () => current().report(),
  stop: async () => {
    await current().close();
    peer = undefined;
  },
});

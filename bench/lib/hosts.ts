// Several "hosts" on one machine for multi-instance tests and benchmarks. Where the process may make
// network namespaces (root, iproute2), each host is a namespace of its own joined to this machine by a
// veth pair on a bridge that the run creates (names and a /24 of 10.231.0.0/16 unique to the run), so
// instances really talk across a network: to each other, and to this machine's services at the
// bridge's address. Elsewhere every host is this machine's loopback and instances differ by port.
// Nothing here sends a packet: it only makes (and removes) the links.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Hosts {
  kind: 'namespaces' | 'loopback';
  /** This machine as the hosts reach it: where PostgreSQL, Redis and the agent must answer. */
  serviceAddress: string;
  /** Each host's own address, where its instance listens. */
  addresses: string[];
  /** The command line that runs `command args` on host `index`. */
  command(index: number, command: string, args: string[]): { command: string; args: string[] };
  /** Removes every namespace and link this run made. Safe to call twice. */
  close(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** A /24 of 10.231.0.0/16 that no route of this machine already covers. */
async function freeSubnet(): Promise<number> {
  const { stdout } = await run('ip', ['-4', 'route', 'show', 'table', 'all']);
  for (let attempt = 0; attempt < 64; attempt++) {
    const octet = randomBytes(1)[0]!;
    if (!stdout.includes(`10.231.${octet}.`)) return octet;
  }
  throw new Error('no free /24 in 10.231.0.0/16');
}

/** `count` namespaces on one bridge; throws (having removed what it made) where namespaces cannot be made. */
export async function namespaceHosts(count: number): Promise<Hosts> {
  const id = randomBytes(3).toString('hex');
  // Interface names are limited to 15 characters: "pa" + 6 hex + a 2-3 character role.
  const bridge = `pa${id}br`;
  const namespaces = Array.from({ length: count }, (_, i) => `pa-${id}-host${i + 1}`);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // Deleting a namespace deletes its end of the veth, and with it the pair.
    for (const ns of namespaces) await ip('netns', 'delete', ns).catch(() => undefined);
    await ip('link', 'delete', bridge).catch(() => undefined);
  };
  try {
    const subnet = await freeSubnet();
    const serviceAddress = `10.231.${subnet}.1`;
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${serviceAddress}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    const addresses: string[] = [];
    for (const [i, ns] of namespaces.entries()) {
      const outside = `pa${id}h${i + 1}`;
      const inside = `pa${id}n${i + 1}`;
      const address = `10.231.${subnet}.${i + 2}`;
      await ip('netns', 'add', ns);
      await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      await ip('link', 'set', inside, 'netns', ns);
      await ip('link', 'set', outside, 'master', bridge, 'up');
      await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inside);
      await ip('-n', ns, 'link', 'set', inside, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      addresses.push(address);
    }
    return {
      kind: 'namespaces',
      serviceAddress,
      addresses,
      command: (index, command, args) => ({ command: 'ip', args: ['netns', 'exec', namespaces[index]!, command, ...args] }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export function loopbackHosts(count: number): Hosts {
  return {
    kind: 'loopback',
    serviceAddress: '127.0.0.1',
    addresses: Array.from({ length: count }, () => '127.0.0.1'),
    command: (_index, command, args) => ({ command, args }),
    close: async () => undefined,
  };
}

/** Namespaces where they can be made, else loopback, with the reason namespaces could not be used. */
export async function makeHosts(count: number): Promise<{ hosts: Hosts; whyLoopback?: string }> {
  try {
    return { hosts: await namespaceHosts(count) };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return { hosts: loopbackHosts(count), whyLoopback: `network namespaces unavailable (${message})` };
  }
}

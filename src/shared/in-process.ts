// The shared state of a lone instance (no REDIS_URL): everything it shares, it shares with itself.
// Tickets stay in the server's own memory, there is nobody to publish to, and every call is local.
import type { CallCommand, CommandResult, InstanceHost, InstanceInfo, SharedState } from '../domain/shared-state.js';

export class InProcessState implements SharedState {
  #host: InstanceHost | undefined;

  async start(host: InstanceHost): Promise<void> {
    this.#host = host;
  }

  publish(): void {}

  subscribe(): () => void {
    return () => undefined;
  }

  async replay(): Promise<[]> {
    return [];
  }

  async command(callSid: string, _command: CallCommand): Promise<CommandResult> {
    return { ok: false, status: 404, error: `no call ${callSid} is live` };
  }

  async instances(): Promise<InstanceInfo[]> {
    return this.#host ? [instanceInfo(this.#host)] : [];
  }

  async close(): Promise<void> {}
}

/** What GET /api/instances says about an instance, from the instance itself. */
export function instanceInfo(host: InstanceHost): InstanceInfo {
  return { id: host.id, address: host.address, startedAt: host.startedAt, ...host.status() };
}

// A phone-agent server with the Vonage carrier on loopback, a scripted V1 agent behind it, and Vonage
// callers that follow the Voice API (answer NCCO, signed handshake, websocket:connected).
import { startBridge, type BridgeHarness } from '../helpers/bridge-harness.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';
import type { ServerOptions } from '../../src/server.js';
import { vonageCarrier, type VonageCarrierOptions } from '../../src/vonage/routes.js';
import { VonageCaller, type VonageCallerOptions } from '../../src/simulate/vonage-caller.js';

export const SECRET = 'test-signature-secret-0123456789abcdef';
export const PUBLIC = 'https://agent.example.com';

export interface VonageHarness extends BridgeHarness {
  vonage(options?: Partial<VonageCallerOptions>): Promise<VonageCaller>;
  /** A Vonage call whose agent connection has received its Settings. */
  connectedVonageCall(options?: Partial<VonageCallerOptions>): Promise<{ call: VonageCaller; agent: AgentConnection }>;
}

export async function startVonage(
  carrier: Partial<VonageCarrierOptions> = {},
  server: Partial<Omit<ServerOptions, 'env' | 'settings'>> & { env?: Record<string, string> } = {},
): Promise<VonageHarness> {
  const h = await startBridge({
    ...server,
    carriers: [vonageCarrier({ signatureSecret: undefined, publicUrl: PUBLIC, applicationId: undefined, ...carrier })],
  });
  const vonage = (o: Partial<VonageCallerOptions> = {}) =>
    VonageCaller.connect({ serverUrl: h.baseUrl, signatureSecret: carrier.signatureSecret, realtimePlayout: false, ...o });
  return {
    ...h,
    vonage,
    async connectedVonageCall(o = {}) {
      const index = h.agent.connections.length;
      const call = await vonage(o);
      const agent = await h.agent.connection(index);
      await agent.waitFor((m) => m.type === 'Settings');
      return { call, agent };
    },
  };
}

/** A deterministic tone with some noise, as 16-bit samples: speech-like enough to exercise the converters. */
export function l16Frames(count: number, rate = 16000, seed = 1): Buffer[] {
  const perFrame = (rate / 1000) * 20;
  let x = seed;
  const frames: Buffer[] = [];
  for (let f = 0; f < count; f++) {
    const frame = Buffer.alloc(perFrame * 2);
    for (let i = 0; i < perFrame; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const t = (f * perFrame + i) / rate;
      frame.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 440 * t) + ((x % 2001) - 1000)), i * 2);
    }
    frames.push(frame);
  }
  return frames;
}

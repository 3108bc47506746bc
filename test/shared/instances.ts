// Phone-agent instances sharing one Redis, for the tests of issue 14: each a whole application (API,
// dashboard, store) on its own loopback port in this process, with a key prefix of the test's own that
// is removed afterwards. The Redis is TEST_REDIS_URL when set, else a redis-server the test starts.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { parseEnv } from '../../src/config/env.js';
import { startApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/observability/log.js';
import { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import { sleep } from '../helpers/bridge-harness.js';
import { RedisServer } from '../../bench/lib/redis-server.js';

export const ADMIN = 'shared-state-admin';
export const AUTH_TOKEN = 'shared-state-auth-token';

export interface Instance {
  app: App;
  url: string;
  /** Every log line, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** TEST_REDIS_URL, or a redis-server of the test's own (stopped by `stop`). */
export async function testRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const given = process.env.TEST_REDIS_URL;
  if (given) return { url: given, stop: async () => undefined };
  return RedisServer.start();
}

/** A key prefix no other test uses, and its removal. */
export function testPrefix(name: string): { prefix: string; clean(url: string): Promise<void> } {
  const prefix = `phone-agent-test:${name}:${randomBytes(4).toString('hex')}:`;
  return {
    prefix,
    async clean(url) {
      const redis = new Redis(url);
      try {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}

export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const parsed = parseEnv({ PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN: ADMIN, TWILIO_AUTH_TOKEN: AUTH_TOKEN, LOG_LEVEL: 'info', ...env });
  const app = await startApp(parsed, { logger: createLogger({ level: 'info' }, sink) });
  return { app, url: app.url, logs, close: () => app.shutdown(0) };
}

export function admin(url: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}`, ...(init.headers as Record<string, string> | undefined) };
  if (init.body) headers['content-type'] = 'application/json';
  return fetch(`${url}${path}`, { ...init, headers });
}

export interface Ticket {
  url: string;
  callSid: string;
  customParameters: Record<string, string>;
}

export async function ticket(url: string): Promise<Ticket> {
  const res = await admin(url, '/api/softphone/ticket', { method: 'POST' });
  if (res.status !== 200) throw new Error(`ticket: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Ticket;
}

/** A simulated Twilio call opened with a ticket, on whichever instance `streamUrl` names. */
export function callWith(t: Ticket, streamBase?: string): Promise<SimulatedCall> {
  const url = streamBase ? `${streamBase.replace(/^http/, 'ws')}/media-stream?${t.url.split('?')[1]}` : t.url;
  return SimulatedCall.connect({ url, callSid: t.callSid, customParameters: t.customParameters, realtimePlayout: false });
}

/** Resolves with the first value `probe` gives that is not undefined; fails after `timeoutMs`. */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The server-sent events of GET /api/live, parsed as they arrive. */
export async function liveFeed(url: string): Promise<{ events: Array<Record<string, unknown>>; close(): void }> {
  const controller = new AbortController();
  const res = await admin(url, '/api/live', { signal: controller.signal });
  if (res.status !== 200 || !res.body) throw new Error(`live feed: HTTP ${res.status}`);
  const events: Array<Record<string, unknown>> = [];
  void (async () => {
    let text = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          if (block.startsWith('data: ')) events.push(JSON.parse(block.slice(6)) as Record<string, unknown>);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => controller.abort() };
}

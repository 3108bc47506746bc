// Hosting the engine: a Fastify plugin that mounts it at /v1/agent/converse (the app registers it next
// to its own routes, so calls reach the engine over loopback through the same protocol as Deepgram),
// and a standalone server that runs the engine alone (`phone-agent engine`).
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import websocket from '@fastify/websocket';
import type { Engine } from './engine.js';
import { createOfflineEngine, type OfflineEngineOptions } from './offline-engine.js';
import { silentLogger } from '../observability/log.js';

export const ENGINE_ROUTE = '/v1/agent/converse';
/** The largest WebSocket message accepted: a Settings message with a long prompt and many functions. */
export const ENGINE_MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface EnginePluginOptions extends OfflineEngineOptions {
  /** The engine to serve; without one, the offline engine is built from the other options. */
  engine?: Engine;
  path?: string;
}

/**
 * Serves the engine on a WebSocket route and closes it with the app. Uses the app's @fastify/websocket
 * when registered (its maxPayload applies), else registers one with ENGINE_MAX_PAYLOAD_BYTES.
 */
export const enginePlugin: FastifyPluginAsync<EnginePluginOptions> = async (app, options) => {
  const { path = ENGINE_ROUTE } = options;
  const engine = options.engine ?? createOfflineEngine(options);
  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, { options: { maxPayload: ENGINE_MAX_PAYLOAD_BYTES, perMessageDeflate: false } });
  }
  app.get(path, { websocket: true }, (socket) => {
    engine.accept(socket);
  });
  app.addHook('onClose', async () => engine.close());
};

export interface EngineServerOptions extends EnginePluginOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export interface EngineServer {
  app: FastifyInstance;
  engine: Engine;
  /** ws:// URL of the V1 endpoint. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Runs the engine on its own port, speaking V1 at ws://host:port/v1/agent/converse (and GET /healthz). */
export async function startEngineServer(options: EngineServerOptions): Promise<EngineServer> {
  const logger = options.logger ?? silentLogger;
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  const engine = options.engine ?? createOfflineEngine({ ...options, logger });
  await app.register(enginePlugin, { engine, path: options.path });
  app.get('/healthz', async () => ({ ok: true, sessions: engine.activeSessions }));
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { app, engine, port, url: `ws://${urlHost}:${port}${options.path ?? ENGINE_ROUTE}`, close: () => app.close() };
}

// Builds the phone-agent HTTP/WebSocket server from a configuration object. No side effects at
// import time: tests build as many independent servers in one process as they like.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import websocket from '@fastify/websocket';
import type { Env } from './config/env.js';
import type { Settings } from './agent/settings.js';
import type { AgentEndpoint } from './agent/client.js';
import { createLogger, type Logger } from './observability/log.js';
import { Metrics } from './observability/metrics.js';
import { CallEventBus, DEFAULT_AGENT, type CallInfo } from './domain/call.js';
import { CallSession } from './call/session.js';
import { FunctionRegistry } from './tools/registry.js';
import type { CallControl, ControlledCall } from './domain/call-control.js';
import type { CarrierContext, TelephonyLeg } from './domain/telephony-leg.js';
import type { StatusCallback } from './domain/dialer.js';
import { systemClock, type Clock } from './domain/clock.js';
import { LiveCalls } from './domain/live-calls.js';
import { dtmfText } from './engine/think/dtmf.js';
import { acceptTwilioMediaStream } from './twilio/media-stream-leg.js';
import { streamTwiml, streamUrlFor } from './twilio/twiml.js';
import { CallRecording } from './recording/call-recording.js';
import { join } from 'node:path';
import { publicBaseUrl, twilioWebhookGuard } from './twilio/signature.js';
import { StreamSecurity } from './twilio/stream-security.js';
import type { TicketBook } from './domain/shared-state.js';
import rateLimitPlugin from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { UnsignedRequestCounter } from './protocol/unsigned-requests.js';
import { transferOnStaffDigit } from './twilio/staff-digit.js';
import { requireAdmin } from './api/auth.js';
import { errorMessage } from './observability/error-message.js';
import { HandedOffConversations } from './call/handoffs.js';
import { RESUME_AFTER_UNANSWERED, RESUME_PARAMETER } from './twilio/warm-transfer.js';

export const DEEPGRAM_AGENT_URL = 'wss://agent.deepgram.com/v1/agent/converse';
export const ENGINE_PATH = '/v1/agent/converse';
export const STREAM_STATUS_PATH = '/twilio/stream-status';

/** Who answers a call: the agent's name (on the call's records), its Settings, its functions and where its transfers go. */
export interface CallAgent {
  name: string;
  settings: Settings;
  functions: FunctionRegistry;
  transferNumber?: string;
}

export interface ServerOptions {
  env: Env;
  settings: Settings;
  /** The agent for a called number (AGENTS_DIR); without it every call gets `settings` and `functions`. */
  agentFor?: (to: string) => CallAgent;
  logger?: Logger;
  /** More fields on every log line of a call (its trace id, when traces are on). */
  callLogFields?: (call: CallInfo) => Record<string, string>;
  metrics?: Metrics;
  events?: CallEventBus;
  functions?: FunctionRegistry;
  /** Call control per call (Twilio REST); without it hang-up closes the stream and transfer is refused. */
  twilioControl?: (call: ControlledCall) => CallControl;
  /** The calls' clock (tests substitute one they control). */
  clock?: Clock;
  /** The calls in progress, shared with routes that act on them (a carrier's callbacks); this server's own by default. */
  liveCalls?: LiveCalls;
  /** Overrides for timers, mostly for tests. */
  timing?: {
    keepAliveMs?: number;
    hangupGraceMs?: number;
    reconnectDelaysMs?: readonly number[];
    agentSessionMaxMs?: number;
    softphoneTicketMs?: number;
    /** A playback mark after every this much agent audio (0: after every chunk). */
    markEveryMs?: number;
  };
  /**
   * Per client address and route, on requests no carrier credential vouches for (unsigned, failed, or any while
   * a carrier's checks are off): `burst` per window of burst / perSecond seconds. RATE_LIMIT_* by default.
   */
  rateLimit?: { burst: number; perSecond: number };
  /** Where the counts live when several instances share them (REDIS_URL); this process's memory by default. */
  rateLimitStore?: { redis: Redis; nameSpace: string };
  /** Mu-law audio played when the agent is lost for good (default: none). */
  apologyAudio?: () => Promise<Buffer | undefined>;
  /** Where softphone tickets live (the shared state's: Redis, or the cluster primary's); this process's memory by default. */
  tickets?: TicketBook;
  /** What /metrics serves (every worker's, summed, with WORKERS > 1); this server's registry by default. */
  metricsText?: () => Promise<string>;
  /** Carriers beyond Twilio: each registers its routes (webhook answer, media stream) and starts calls through the context. */
  carriers?: Array<(app: FastifyInstance, context: CarrierContext) => Promise<void> | void>;
  /** Where carriers' status callbacks go (the store); dropped by default. */
  recordStatus?: (callback: StatusCallback) => Promise<void>;
  /** Extra routes (the embedded engine, the API, the dashboard), registered before the server starts. */
  plugins?: Array<(app: FastifyInstance) => Promise<void> | void>;
}

export interface PhoneAgentServer {
  app: FastifyInstance;
  metrics: Metrics;
  events: CallEventBus;
  sessions: ReadonlySet<CallSession>;
  /** Stopping for good (SIGTERM): /readyz answers 503 and new calls are refused until the process exits. */
  readonly draining: boolean;
  /** Listens on env.HOST:env.PORT (0 picks a free port); resolves to the http:// base URL. */
  listen(): Promise<string>;
  /** Stops accepting calls (/readyz turns 503), waits up to `timeoutMs` for calls in progress, then closes. */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function buildServer(options: ServerOptions): Promise<PhoneAgentServer> {
  const { env, settings } = options;
  const logger = options.logger ?? createLogger({ level: env.LOG_LEVEL });
  const metrics = options.metrics ?? new Metrics();
  const events = options.events ?? new CallEventBus();
  const functions = options.functions ?? new FunctionRegistry();
  const sessions = new Set<CallSession>();
  const clock = options.clock ?? systemClock;
  const recordingsDir = env.RECORDINGS_DIR;
  const security = new StreamSecurity({
    authToken: env.TWILIO_AUTH_TOKEN,
    publicUrl: env.PUBLIC_URL,
    ticketTtlMs: options.timing?.softphoneTicketMs,
    tickets: options.tickets,
  });
  const metricsText = options.metricsText ?? (() => metrics.registry.metrics());
  const rateLimit = options.rateLimit ?? { burst: env.RATE_LIMIT_BURST, perSecond: env.RATE_LIMIT_PER_SECOND };
  const liveCalls = options.liveCalls ?? new LiveCalls(clock);
  const handoffs = new HandedOffConversations(clock);
  const stopStaffDigit = transferOnStaffDigit(events, (callSid) => liveCalls.get(callSid)?.control, logger);
  let draining = false;
  let baseUrl: string | undefined;
  /** Why new calls are refused right now (the balancer's /readyz says the same), or undefined. */
  const refusing = (): string | undefined =>
    draining ? 'server is draining' : env.MAX_CALLS !== undefined && sessions.size >= env.MAX_CALLS ? `at capacity (MAX_CALLS=${env.MAX_CALLS})` : undefined;

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Forwarded headers count only from a proxy on this machine (ngrok's agent, a local load balancer), so a
    // remote client cannot fake its address for rate limits or its host for the TwiML stream URL.
    trustProxy: env.TRUST_PROXY,
    // A call is logged by its session (one line per event that matters), not per HTTP request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
  });
  await app.register(formbody);
  app.decorate('unsignedRequests', await unsignedRequestCounter(app, rateLimit, options.rateLimitStore));
  // UTF-8 validation of every text frame is a measurable share of the hot path; JSON.parse rejects garbage anyway.
  await app.register(websocket, { options: { maxPayload: 1024 * 1024, perMessageDeflate: false, skipUTF8Validation: true } });

  /** Which V1 agent a call talks to: AGENT_URL, else Deepgram with a key, else the embedded engine here. */
  function agentEndpoint(): AgentEndpoint {
    if (env.AGENT_URL) return { url: env.AGENT_URL };
    if (env.DEEPGRAM_API_KEY) return { url: DEEPGRAM_AGENT_URL, headers: { Authorization: `Token ${env.DEEPGRAM_API_KEY}` } };
    if (!baseUrl) throw new Error('the embedded engine is reached through this server, which is not listening');
    return { url: `${baseUrl.replace(/^http/, 'ws')}${ENGINE_PATH}` };
  }

  const incomingCallGuards = { preHandler: twilioWebhookGuard(env.TWILIO_AUTH_TOKEN, env.PUBLIC_URL) };
  app.post('/incoming-call', incomingCallGuards, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const refusal = refusing();
    if (refusal) {
      reply.code(503).header('Retry-After', '30');
      return { error: `${refusal}: not accepting new calls` };
    }
    const base = publicBaseUrl(request, env.PUBLIC_URL);
    // Twilio was sent back here after a transfer nobody answered (warm-transfer.ts): the new stream resumes the call.
    const resumes = (request.query as Record<string, string | undefined>)[RESUME_PARAMETER] === RESUME_AFTER_UNANSWERED;
    const twiml = streamTwiml({
      streamUrl: streamUrlFor(base),
      statusCallback: `${base}${STREAM_STATUS_PATH}`,
      parameters: {
        CallSid: body.CallSid ?? '',
        From: body.From ?? '',
        To: body.To ?? '',
        Direction: body.Direction?.startsWith('outbound') ? 'outbound' : 'inbound',
        ...security.callParameters(body.CallSid ?? ''),
        ...(resumes && body.CallSid ? security.resumeParameters(body.CallSid) : {}),
      },
    });
    return reply.type('text/xml').send(twiml);
  });

  /** Starts a call on any carrier's leg, or says why not. */
  function startCall(leg: TelephonyLeg): CallSession | { refused: string } {
    const refusal = refusing();
    if (refusal) return { refused: refusal };
    let endpoint: AgentEndpoint;
    try {
      endpoint = agentEndpoint();
    } catch (err) {
      return { refused: (err as Error).message };
    }
    const agent = options.agentFor?.(leg.call.to) ?? { name: DEFAULT_AGENT, settings, functions };
    const session = new CallSession(leg, {
      agentName: agent.name,
      settings: agent.settings,
      transferNumber: agent.transferNumber,
      agent: endpoint,
      functions: agent.functions,
      metrics,
      logger,
      logFields: options.callLogFields,
      events,
      clock,
      keypadText: dtmfText,
      inboundChunkMs: env.INBOUND_CHUNK_MS,
      policies: { idlePromptMs: env.IDLE_PROMPT_MS, idlePromptsBeforeHangup: env.IDLE_PROMPTS_BEFORE_HANGUP, maxCallDurationMs: env.MAX_CALL_DURATION_MS },
      keepAliveMs: options.timing?.keepAliveMs,
      hangupGraceMs: options.timing?.hangupGraceMs,
      reconnectDelaysMs: options.timing?.reconnectDelaysMs,
      agentSessionMaxMs: options.timing?.agentSessionMaxMs,
      markEveryMs: options.timing?.markEveryMs,
      apologyAudio: options.apologyAudio,
      handoffs,
      recording: recordingsDir ? (call) => new CallRecording(join(recordingsDir, `${call.callSid}.wav`)) : undefined,
    });
    sessions.add(session);
    liveCalls.add(session);
    void session.done.then(() => {
      sessions.delete(session);
      liveCalls.remove(session);
    });
    return session;
  }

  const mediaStreamGuards = { preValidation: security.verifyHandshake() };
  app.get('/media-stream', { websocket: true, ...mediaStreamGuards }, (socket) => {
    acceptTwilioMediaStream(socket, { logger, metrics, clock, admit: (start) => security.admit(start), startCall, control: options.twilioControl });
  });

  // Twilio reports the stream's start, stop and failures here: the only place a failed handshake
  // (a wrong URL, a refused signature, TLS trouble) is ever described. Each report joins the call's record.
  const streamStatusGuards = { preHandler: twilioWebhookGuard(env.TWILIO_AUTH_TOKEN, env.PUBLIC_URL) };
  app.post(STREAM_STATUS_PATH, streamStatusGuards, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const callSid = body.CallSid;
    if (!callSid || !body.StreamEvent) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and StreamEvent are required' });
    const failed = body.StreamEvent === 'stream-error';
    const detail = `${body.StreamEvent}${body.StreamSid ? ` ${body.StreamSid}` : ''}${body.StreamError ? `: ${body.StreamError}` : ''}`;
    events.emit({ type: 'event', callSid, at: Date.now(), kind: failed ? 'error' : 'info', detail: `twilio stream status: ${detail}` });
    if (failed) logger.warn({ callSid, streamSid: body.StreamSid, error: body.StreamError }, 'twilio reports a stream error');
    return reply.code(204).send();
  });

  // The browser softphone's way in while signature checks are on: see the contract in twilio/stream-security.ts.
  app.post('/api/softphone/ticket', { preHandler: requireAdmin(env.ADMIN_TOKEN) }, async (request, reply) => {
    try {
      return await security.softphoneTicket(request);
    } catch (err) {
      // Tickets kept in the shared state (Redis) cannot be issued while it is unreachable.
      request.log.warn({ err: errorMessage(err) }, 'no softphone ticket: the shared state is unreachable');
      return reply.code(503).send({ error: 'Service Unavailable', message: `softphone tickets are unavailable: ${errorMessage(err)}` });
    }
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const refusal = refusing();
    if (refusal) return reply.code(503).send({ ready: false, draining, reason: refusal, activeCalls: sessions.size });
    return { ready: true, activeCalls: sessions.size };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metricsText();
  });

  const recordStatus = options.recordStatus ?? (async () => undefined);
  for (const carrier of options.carriers ?? []) await carrier(app, { startCall, draining: () => draining, events, recordStatus, clock, logger, metrics });
  for (const plugin of options.plugins ?? []) await plugin(app);

  async function waitForCalls(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (sessions.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.all([...sessions].map((s) => s.done)), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    }
  }

  const server: PhoneAgentServer = {
    app,
    metrics,
    events,
    sessions,
    get draining() {
      return draining;
    },
    async listen() {
      const address = await app.listen({ port: env.PORT, host: env.HOST });
      const url = new URL(address);
      if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
      baseUrl = url.origin;
      return baseUrl;
    },
    async drain(timeoutMs) {
      draining = true;
      await waitForCalls(timeoutMs);
      await server.close();
    },
    async close() {
      draining = true;
      for (const s of sessions) s.end('shutdown', 'server shutting down');
      stopStaffDigit();
      await app.close();
      metrics.close();
    },
  };
  return server;
}

/** The counter carriers' guards use (protocol/unsigned-requests.ts), on @fastify/rate-limit and its store. */
async function unsignedRequestCounter(
  app: FastifyInstance,
  limit: { burst: number; perSecond: number },
  store: { redis: Redis; nameSpace: string } | undefined,
): Promise<UnsignedRequestCounter> {
  await app.register(rateLimitPlugin, {
    global: false,
    // While Redis is away, requests pass uncounted rather than fail: the calls matter more than the limit.
    skipOnError: true,
    ...(store && { redis: store.redis, nameSpace: store.nameSpace }),
  });
  const timeWindow = Math.ceil((limit.burst / limit.perSecond) * 1000);
  const check = app.createRateLimit({
    max: limit.burst,
    timeWindow,
    // Each route its own count, so a client's stream upgrades do not use up its webhooks.
    keyGenerator: (request) => `${request.routeOptions.url ?? request.url}|${request.ip}`,
  });
  const words = `${limit.burst} per ${timeWindow / 1000} s`;
  return async (request) => {
    const result = await check(request);
    if (result.isAllowed) return { exceeded: false, retryAfterS: 0, limit: words };
    return { exceeded: result.isExceeded, retryAfterS: Math.max(1, Math.ceil(result.ttlInSeconds)), limit: words };
  };
}

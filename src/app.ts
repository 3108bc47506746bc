// The composition root: everything `phone-agent serve` runs, wired from one validated environment.
// The server (src/server.ts) stays free of storage and engine choices so tests can build it bare.
import type { Env } from './config/env.js';
import { AgentDirectory } from './agents/directory.js';
import { loadAgentsFromEnv } from './agents/definitions.js';
import { errorMessage } from './observability/error-message.js';
import { engineOptions } from './engine-env.js';
import { buildServer, type PhoneAgentServer } from './server.js';
import { createLogger, type Logger } from './observability/log.js';
import { startTracing } from './observability/tracing.js';
import { Metrics } from './observability/metrics.js';
import { CallEventBus } from './domain/call.js';
import { LiveCalls } from './domain/live-calls.js';
import { systemClock } from './domain/clock.js';
import { FunctionRegistry } from './tools/registry.js';
import { openStore, CallRecorder, type Store } from './store/index.js';
import { apologyAudio } from './engine/speak/apology.js';
import { apiRoutes } from './api/routes.js';
import { enginePlugin } from './engine/server.js';
import { createOfflineEngine } from './engine/offline-engine.js';
import { engineGuard } from './api/auth.js';
import { dashboardPlugin } from './web/dashboard.js';
import { clinicTools } from './tools/clinic/index.js';
import { createTwilioClient } from './twilio/rest-client.js';
import { twilioCallControl } from './twilio/call-control.js';
import { WarmTransfers } from './twilio/warm-transfer.js';
import type { TwilioClient } from './twilio/rest-client.js';
import { twilioOutbound } from './twilio/call-routes.js';
import { outboundCallRoutes } from './api/outbound-calls.js';
import { SOFTPHONE_TICKET_TTL_MS } from './twilio/softphone-tickets.js';
import type { PrimaryLink } from './cluster/primary-link.js';
import { vonageClientFromEnv, vonageFromEnv } from './vonage/index.js';
import { telnyxCarrier } from './telnyx/carrier.js';
import { telnyxCallControl } from './telnyx/call-control.js';
import { TelnyxRestClient } from './telnyx/rest-client.js';
import { telnyxDialer } from './telnyx/outbound.js';
import { signalWireCarrier } from './signalwire/routes.js';
import { signalWireClientFromEnv } from './signalwire/from-env.js';
import { signalWireDialer } from './signalwire/outbound.js';
import { plivoCarrier } from './plivo/routes.js';
import { plivoClientFromEnv } from './plivo/from-env.js';
import { plivoDialer } from './plivo/outbound.js';
import { vonageDialer } from './vonage/outbound.js';
import { VoicemailDetections } from './domain/voicemail.js';
import { AudioSocketCarrier } from './audiosocket/carrier.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { llmSummarizer } from './webhooks/llm-summary.js';
import { primaryThink, type Settings } from './agent/settings.js';
import { resolveOpenAiOptions } from './engine/think/openai.js';
import type { SharedState } from './domain/shared-state.js';
import { InProcessState } from './shared/in-process.js';
import { RedisSharedState } from './shared/redis-state.js';
import { instanceIdentity, loadMeter, lostCallEnd } from './shared/instance.js';
import { callCommandRoutes } from './api/call-commands.js';

export interface App {
  server: PhoneAgentServer;
  store: Store;
  url: string;
  /** Reads the agents again (SIGHUP): a valid set replaces the old one for new calls; an invalid one is refused and the old one stays. */
  reloadAgents(): { ok: true; agents: string[] } | { ok: false; error: string };
  /** Drains calls (up to `timeoutMs`), then flushes every record and closes the store. */
  shutdown(timeoutMs: number): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** Set in a cluster worker (WORKERS > 1): metrics, and without REDIS_URL tickets and the live feed, are shared through the primary. */
  cluster?: PrimaryLink;
  /** The worker's number in the cluster, part of its instance id. */
  worker?: number;
}

export async function startApp(env: Env, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger({ level: env.LOG_LEVEL });
  const agentSet = loadAgentsFromEnv(env);
  const { settings, clinic } = agentSet.agents.find((a) => a.file === undefined) ?? agentSet.fallback;
  const metrics = new Metrics();
  const events = new CallEventBus();
  // The OpenTelemetry SDK is loaded only when traces are wanted.
  const tracing = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? await startTracing({ logger }) : undefined;
  if (tracing) events.subscribe((event) => tracing.record(event));
  const store = await openStore(env.DATABASE_URL, { logger, reportEndedCalls: env.CALL_WEBHOOK_URL !== undefined });
  const webhooks = env.CALL_WEBHOOK_URL ? callWebhooks(env.CALL_WEBHOOK_URL, env, settings, store, metrics, logger) : undefined;
  const recorder = new CallRecorder(store, events, { metrics, logger, tracing });
  const agents = new AgentDirectory(agentSet, (agent) => new FunctionRegistry(clinicTools({ clinic: agent.clinic, store, agent: agent.name })));
  const cluster = options.cluster;
  cluster?.shareMetrics(metrics.registry);
  const redis = env.REDIS_URL ? redisState(env.REDIS_URL, env, metrics, logger) : undefined;
  // Redis with REDIS_URL; else, in a cluster worker, the primary's; else this process alone.
  const shared: SharedState = redis ?? cluster?.sharedState(SOFTPHONE_TICKET_TTL_MS) ?? new InProcessState();
  events.subscribe((event) => shared.publish(event));
  // The dashboard of any instance shows every instance's calls; the store records only this one's.
  const liveEvents: Pick<CallEventBus, 'subscribe'> = {
    subscribe(fn) {
      const local = events.subscribe(fn);
      const remote = shared.subscribe(fn);
      return () => {
        local();
        remote();
      };
    },
  };
  let instanceId = '';
  const twilio =
    env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN ? createTwilioClient({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN }) : undefined;
  const telnyx = env.TELNYX_API_KEY ? new TelnyxRestClient({ apiKey: env.TELNYX_API_KEY }) : undefined;

  const liveCalls = new LiveCalls(systemClock);
  const warm = warmTransfers(env, twilio, metrics, logger);
  const outbound = twilioOutbound({ env, client: twilio, recordStatus: (cb) => store.recordStatusCallback(cb), calls: liveCalls });
  // Vonage answers calls on /vonage/*; hang-up, transfer and outbound calls need its application credentials.
  const vonage = vonageClientFromEnv(env);
  const signalWire = signalWireClientFromEnv(env);
  const plivo = plivoClientFromEnv(env);
  // Answering-machine results of the other carriers' outbound calls, posted to their own signed routes.
  const detections = new VoicemailDetections(liveCalls);
  // POST /api/calls without `carrier` uses the first of these that is configured.
  const dialers = [
    outbound.dialer,
    telnyxDialer({ env, client: telnyx, detections }),
    signalWireDialer({ env, client: signalWire, detections }),
    plivoDialer({ env, client: plivo }),
    vonageDialer({ env, client: vonage }),
  ];
  const vonageCarrier = vonageFromEnv(env, { client: vonage, transferNumber: env.TRANSFER_NUMBER ?? clinic.transferNumber, logger });

  // Asterisk's AudioSocket listens on its own TCP port; the log line "audiosocket listening" names it.
  const audiosocket = env.AUDIOSOCKET_PORT === undefined ? undefined : new AudioSocketCarrier({ host: env.AUDIOSOCKET_HOST, port: env.AUDIOSOCKET_PORT });

  const server = await buildServer({
    env,
    liveCalls,
    recordStatus: (cb) => store.recordStatusCallback(cb),
    settings,
    agentFor: (to) => agents.forNumber(to),
    logger,
    callLogFields: tracing && ((call) => tracing.logFields(call)),
    metrics,
    events,
    apologyAudio: apologyAudio(),
    tickets: shared.tickets,
    rateLimitStore: redis && { redis: redis.connection, nameSpace: `${env.REDIS_KEY_PREFIX}rate:` },
    metricsText: cluster && (() => cluster.clusterMetrics()),
    twilioControl: twilio && twilioCallControl({ client: twilio, transferNumber: env.TRANSFER_NUMBER ?? clinic.transferNumber, logger, warm, metrics }),
    // Carriers beyond Twilio: their routes answer with signature checks off (one warning each) until their credentials are set.
    carriers: [
      vonageCarrier,
      telnyxCarrier({
        env,
        control: telnyx && telnyxCallControl({ client: telnyx, transferNumber: env.TRANSFER_NUMBER ?? clinic.transferNumber, logger }),
        detections,
      }),
      signalWireCarrier({
        publicUrl: env.PUBLIC_URL,
        signingKey: env.SIGNALWIRE_SIGNING_KEY,
        client: signalWire,
        transferNumber: env.TRANSFER_NUMBER ?? clinic.transferNumber,
        detections,
      }),
      plivoCarrier({
        publicUrl: env.PUBLIC_URL,
        authToken: env.PLIVO_AUTH_TOKEN,
        client: plivo,
        transferNumber: env.TRANSFER_NUMBER ?? clinic.transferNumber,
      }),
      ...(audiosocket ? [audiosocket.register] : []),
    ],
    plugins: [
      async (app) => {
        await app.register(apiRoutes, { store, adminToken: env.ADMIN_TOKEN, agents: () => agents.list() });
        // The embedded engine: the bridge reaches it over loopback; anyone else needs the admin token.
        await app.register(async (engine) => {
          engine.addHook('onRequest', engineGuard(env.ADMIN_TOKEN));
          // The built-in dialog reads "tomorrow" and "tuesday" on the clinic's calendar, like the clinic's functions.
          const offline = createOfflineEngine({ logger, ...engineOptions(env, clinic.timezone) });
          metrics.watchEngineSessions(() => offline.activeSessions);
          await engine.register(enginePlugin, { engine: offline });
        });
        await app.register(dashboardPlugin, { events: liveEvents, elsewhere: () => shared.replay(), adminToken: env.ADMIN_TOKEN, logger });
      },
      callCommandRoutes({ calls: liveCalls, shared, instanceId: () => instanceId, adminToken: env.ADMIN_TOKEN }),
      outbound.routes,
      ...(warm ? [warm.routes(env)] : []),
      outboundCallRoutes({ dialers, adminToken: env.ADMIN_TOKEN }),
    ],
  });
  const url = await server.listen();
  const identity = instanceIdentity(env, url, options.worker);
  instanceId = identity.id;
  const load = loadMeter();
  await shared.start({
    ...identity,
    startedAt: Date.now(),
    status: () => ({ liveCalls: server.sessions.size, load: load.load(), draining: server.draining }),
    liveCalls: () => [...server.sessions].map((session) => session.info),
    execute: (callSid, command) => liveCalls.execute(callSid, command, instanceId),
    callsLost: (lostInstance, calls) => {
      for (const call of calls) events.emit(lostCallEnd(call, lostInstance, Date.now()));
    },
  });
  const sharedBy = env.REDIS_URL ? 'redis' : cluster ? 'cluster primary' : 'in-process';
  logger.info({ instance: instanceId, address: identity.address, shared: sharedBy }, 'instance registered');
  return {
    server,
    store,
    url,
    reloadAgents() {
      try {
        const set = loadAgentsFromEnv(env);
        agents.replace(set);
        const names = set.agents.map((a) => a.name);
        logger.info({ agents: names }, 'agents reloaded');
        return { ok: true, agents: names };
      } catch (err) {
        const error = errorMessage(err);
        logger.error({ error }, 'agents not reloaded: the new definitions are invalid; the previous ones stay');
        return { ok: false, error };
      }
    },
    async shutdown(timeoutMs) {
      await server.drain(timeoutMs);
      await shared.close();
      load.stop();
      await recorder.close();
      await tracing?.shutdown();
      // Reports not sent by now stay in the outbox for the next start.
      await webhooks?.close();
      await store.close();
    },
  };
}

function redisState(url: string, env: Env, metrics: Metrics, logger: Logger): RedisSharedState {
  metrics.sharedStateUp(false);
  return new RedisSharedState({
    url,
    keyPrefix: env.REDIS_KEY_PREFIX,
    registryTtlMs: env.REGISTRY_TTL_MS,
    ticketTtlMs: SOFTPHONE_TICKET_TTL_MS,
    logger: logger.child({ component: 'shared-state' }),
    onUp: (up) => metrics.sharedStateUp(up),
  });
}

/** Twilio's warm transfers (TRANSFER_MODE, warm by default); the other carriers transfer cold, said once when warm was asked for. */
function warmTransfers(env: Env, client: TwilioClient | undefined, metrics: Metrics, logger: Logger): WarmTransfers | undefined {
  if (env.TRANSFER_MODE === 'warm') {
    logger.warn('TRANSFER_MODE=warm: Twilio calls transfer warm; the other carriers have no warm transfer here and transfer cold');
  }
  if (!client || (env.TRANSFER_MODE ?? 'warm') === 'cold') return undefined;
  if (!env.PUBLIC_URL) {
    logger.warn('warm transfers need PUBLIC_URL (where Twilio reports the staff call and sends the caller back): Twilio calls transfer cold');
    return undefined;
  }
  return new WarmTransfers({
    client,
    publicUrl: env.PUBLIC_URL,
    callerId: env.TWILIO_PHONE_NUMBER,
    timeoutMs: env.TRANSFER_TIMEOUT_MS,
    clock: systemClock,
    metrics,
  });
}

/** The post-call reports' delivery; the summary is the model's when one is configured (the server's account or the agent's endpoint). */
function callWebhooks(url: string, env: Env, settings: Settings, store: Store, metrics: Metrics, logger: Logger): WebhookDispatcher {
  if (!env.CALL_WEBHOOK_SECRET) logger.warn('CALL_WEBHOOK_SECRET is not set: post-call reports go out unsigned');
  const model = resolveOpenAiOptions(primaryThink(settings), { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL, model: env.OPENAI_MODEL });
  return new WebhookDispatcher({
    store,
    url,
    secret: env.CALL_WEBHOOK_SECRET,
    summarize: model && llmSummarizer(model),
    timeoutMs: env.CALL_WEBHOOK_TIMEOUT_MS,
    maxAttempts: env.CALL_WEBHOOK_MAX_ATTEMPTS,
    metrics,
    logger: logger.child({ component: 'webhooks' }),
  });
}

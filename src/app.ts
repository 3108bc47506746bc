// The composition root: everything `phone-agent serve` runs, wired from one validated environment.
// The server (src/server.ts) stays free of storage and engine choices so tests can build it bare.
import type { Env } from './config/env.js';
import { loadAgentSettings } from './agent/settings-file.js';
import { engineThinkOptions } from './engine-env.js';
import { buildServer, type PhoneAgentServer } from './server.js';
import { createLogger, type Logger } from './observability/log.js';
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
import { clinicTools, loadClinicConfig } from './tools/clinic/index.js';
import { createTwilioClient } from './twilio/rest-client.js';
import { twilioCallControl } from './twilio/call-control.js';
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

export interface App {
  server: PhoneAgentServer;
  store: Store;
  url: string;
  /** Drains calls (up to `timeoutMs`), then flushes every record and closes the store. */
  shutdown(timeoutMs: number): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** Set in a cluster worker (WORKERS > 1): tickets, metrics and the live feed are shared through the primary. */
  cluster?: PrimaryLink;
}

export async function startApp(env: Env, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger({ level: env.LOG_LEVEL });
  const settings = loadAgentSettings(env.AGENT_CONFIG);
  const metrics = new Metrics();
  const events = new CallEventBus();
  const store = await openStore(env.DATABASE_URL, { logger });
  const recorder = new CallRecorder(store, events, { metrics, logger });
  const clinic = loadClinicConfig(env.CLINIC_CONFIG);
  const functions = new FunctionRegistry(clinicTools({ clinic, store }));
  const cluster = options.cluster;
  // The dashboard of any worker shows every worker's calls; the store records only this worker's.
  let liveEvents: Pick<CallEventBus, 'subscribe'> = events;
  if (cluster) {
    cluster.shareMetrics(metrics.registry);
    events.subscribe((event) => cluster.publish(event));
    liveEvents = {
      subscribe(fn) {
        const local = events.subscribe(fn);
        const remote = cluster.subscribe(fn);
        return () => {
          local();
          remote();
        };
      },
    };
  }
  const twilio =
    env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN ? createTwilioClient({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN }) : undefined;
  const telnyx = env.TELNYX_API_KEY ? new TelnyxRestClient({ apiKey: env.TELNYX_API_KEY }) : undefined;

  const liveCalls = new LiveCalls(systemClock);
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
    logger,
    metrics,
    events,
    functions,
    apologyAudio: apologyAudio(),
    tickets: cluster?.tickets(SOFTPHONE_TICKET_TTL_MS),
    metricsText: cluster && (() => cluster.clusterMetrics()),
    twilioControl: twilio && twilioCallControl({ client: twilio, transferNumber: env.TRANSFER_NUMBER ?? clinic.transferNumber, logger }),
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
        await app.register(apiRoutes, { store, adminToken: env.ADMIN_TOKEN });
        // The embedded engine: the bridge reaches it over loopback; anyone else needs the admin token.
        await app.register(async (engine) => {
          engine.addHook('onRequest', engineGuard(env.ADMIN_TOKEN));
          // The built-in dialog reads "tomorrow" and "tuesday" on the clinic's calendar, like the clinic's functions.
          const offline = createOfflineEngine({ logger, think: engineThinkOptions(env, clinic.timezone) });
          metrics.watchEngineSessions(() => offline.activeSessions);
          await engine.register(enginePlugin, { engine: offline });
        });
        await app.register(dashboardPlugin, { events: liveEvents, adminToken: env.ADMIN_TOKEN, logger });
      },
      outbound.routes,
      outboundCallRoutes({ dialers, adminToken: env.ADMIN_TOKEN }),
    ],
  });
  const url = await server.listen();
  return {
    server,
    store,
    url,
    async shutdown(timeoutMs) {
      await server.drain(timeoutMs);
      await recorder.close();
      await store.close();
    },
  };
}

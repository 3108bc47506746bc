// Process configuration from environment variables (and `.env` when present), validated once at
// startup. Every problem is reported with the variable's name and what is wrong with it.
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const port = z.coerce.number().int().min(0).max(65535);

const httpsUrl = optionalString.pipe(
  z
    .string()
    .url('must be an absolute URL such as https://example.ngrok.app')
    .refine((u) => /^https?:\/\//.test(u), 'must start with https:// (or http:// for local testing)')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
);

export const PhoneNumber = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as +15551234567');

/** The PEM itself (newlines may be written as the two characters \n, as .env files do), or the path of the file holding it; validated, kept as PEM text. */
const privateKeyPem = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const pem = v.startsWith('-----BEGIN') ? v.replaceAll('\\n', '\n') : existsSync(v) ? readFileSync(v, 'utf8') : undefined;
  if (pem === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be the PEM private key or the path of its file (no such file)' });
    return z.NEVER;
  }
  try {
    createPrivateKey(pem);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a readable PEM private key' });
    return z.NEVER;
  }
  return pem;
});

const wsUrl = optionalString.pipe(
  z.string().url().refine((u) => /^wss?:\/\//.test(u), 'must be a ws:// or wss:// URL').optional(),
);

/** An OTLP/HTTP collector's address: checked here, read by the OpenTelemetry SDK itself. */
function otlpUrl(example: string) {
  return optionalString.pipe(
    z
      .string()
      .url(`must be an absolute URL such as ${example}`)
      .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
      .optional(),
  );
}

export const EnvSchema = z.object({
  PORT: port.default(5000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: httpsUrl,
  AGENT_CONFIG: z.string().default('config/agent.json'),
  DEEPGRAM_API_KEY: optionalString,
  AGENT_URL: wsUrl,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  /** Overrides the model named in the agent's Settings (e.g. llama3.1 for Ollama). */
  OPENAI_MODEL: optionalString,
  /** The built-in dialog's calendar ("tomorrow", "tuesday"); the clinic config's time zone when unset. */
  CLINIC_TIMEZONE: optionalString,
  TWILIO_ACCOUNT_SID: optionalString.pipe(z.string().startsWith('AC', 'must be the account SID, which starts with AC').optional()),
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_PHONE_NUMBER: optionalString,
  /** Telnyx: hang-up, transfer and outbound calls through its REST API; also the secret behind the stream tokens. */
  TELNYX_API_KEY: optionalString,
  /** Telnyx: the account's Ed25519 public key (Mission Control, Keys & Credentials); turns signature checks on. */
  TELNYX_PUBLIC_KEY: optionalString.pipe(
    z
      .string()
      .refine((v) => /^[A-Za-z0-9+/]{43}=$/.test(v), 'must be the base64 Ed25519 public key from the Telnyx portal (44 characters, 32 bytes)')
      .optional(),
  ),
  /** Telnyx outbound calls: the account's id (the TeXML API's AccountSid), the TeXML application and the number to call from. */
  TELNYX_ACCOUNT_SID: optionalString,
  TELNYX_TEXML_APP_ID: optionalString,
  TELNYX_PHONE_NUMBER: optionalString.pipe(PhoneNumber.optional()),
  /** SignalWire (cXML): REST control and outbound calls need the project, its API token and the space; webhook checks need the signing key. */
  SIGNALWIRE_PROJECT_ID: optionalString,
  SIGNALWIRE_API_TOKEN: optionalString,
  SIGNALWIRE_SPACE_URL: optionalString.pipe(
    z
      .string()
      .transform((v) => v.replace(/^https?:\/\//, '').replace(/\/+$/, ''))
      .pipe(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be the space host name, such as example.signalwire.com'))
      .optional(),
  ),
  SIGNALWIRE_SIGNING_KEY: optionalString,
  SIGNALWIRE_PHONE_NUMBER: optionalString.pipe(PhoneNumber.optional()),
  /** Plivo: the auth token checks V3 signatures; with the auth ID it also drives REST control and outbound calls. */
  PLIVO_AUTH_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[MS]A[A-Z0-9]{18}$/, 'must be the 20-character auth ID (MA… or SA…) from the Plivo console')
      .optional(),
  ),
  PLIVO_AUTH_TOKEN: optionalString,
  PLIVO_PHONE_NUMBER: optionalString.pipe(PhoneNumber.optional()),
  /** Where transfer_to_staff (and the caller pressing 0) sends the call; overrides the clinic config's transferNumber. */
  TRANSFER_NUMBER: optionalString.pipe(PhoneNumber.optional()),
  /**
   * warm: the caller waits on hold while staff are called, hear a summary and are joined with them (Twilio);
   * cold: the call is dialled straight through. Default: warm where the carrier supports it.
   */
  TRANSFER_MODE: optionalString.pipe(z.enum(['warm', 'cold']).optional()),
  /** How long staff's phone rings in a warm transfer before the caller is back with the agent (whole seconds, as Twilio counts). */
  TRANSFER_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(5000)
    .max(600_000)
    .refine((ms) => ms % 1000 === 0, 'must be whole seconds (a multiple of 1000)')
    .default(30_000),
  /** Vonage Voice API: the application (its REST calls are signed with the private key) and the account's signature secret (webhooks). */
  VONAGE_APPLICATION_ID: optionalString.pipe(z.string().uuid('must be the application ID (a UUID) from the Vonage dashboard').optional()),
  VONAGE_PRIVATE_KEY: privateKeyPem,
  VONAGE_SIGNATURE_SECRET: optionalString,
  /** The Vonage number outbound calls come from. */
  VONAGE_PHONE_NUMBER: optionalString.pipe(PhoneNumber.optional()),
  /** Asterisk AudioSocket: the TCP port its AudioSocket() application connects to (unset: no listener; 0 picks one). */
  AUDIOSOCKET_PORT: optionalString.pipe(
    z.coerce.number<string | undefined>({ error: 'must be a TCP port number (0 picks a free one)' }).int().min(0).max(65535).optional(),
  ),
  /** The address the AudioSocket listener binds: AudioSocket has no authentication, so loopback unless Asterisk is elsewhere. */
  AUDIOSOCKET_HOST: z.string().default('127.0.0.1'),
  CLINIC_CONFIG: z.string().default('config/clinic.json'),
  DATABASE_URL: z.string().default('data/phone-agent.db'),
  ADMIN_TOKEN: optionalString,
  INBOUND_CHUNK_MS: z.coerce
    .number()
    .int()
    .min(20)
    .max(400)
    .refine((n) => n % 20 === 0, 'must be a multiple of 20 (Twilio frames are 20 ms)')
    .default(20),
  RECORDINGS_DIR: optionalString,
  /** Which proxies' X-Forwarded-* headers to believe: Fastify's trustProxy (true, false, 'loopback', addresses, CIDRs). */
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((v): boolean | string => (v === 'true' ? true : v === 'false' ? false : v)),
  /** Per client address, on /incoming-call and on /media-stream upgrades: requests at once, then per second. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(10),
  /** Processes serving calls, sharing the port: 1 (one process, the default), a number, or `auto` (one per core). */
  WORKERS: z
    .union([z.literal('auto').transform(() => availableParallelism()), z.coerce.number().int().min(1).max(64)], {
      error: 'must be a whole number from 1 to 64, or auto',
    })
    .default(1),
  DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Redis shared by every instance of the service (live feed, tickets, call registry, call control, rate limits); unset: all in-process. */
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .url('must be a URL such as redis://127.0.0.1:6379')
      .refine((u) => /^rediss?:\/\//.test(u), 'must start with redis:// (or rediss:// for TLS)')
      .optional(),
  ),
  /** Prefix of every Redis key and channel: services (or test runs) sharing one Redis stay apart. */
  REDIS_KEY_PREFIX: z.string().min(1, 'must not be empty').default('phone-agent:'),
  /** This instance's name among the others (GET /api/instances, logs); default: host name and port. */
  INSTANCE_ID: optionalString.pipe(z.string().regex(/^[\w.:@#-]{1,100}$/, 'must be 1 to 100 letters, digits or . : @ # - _').optional()),
  /** Calls this instance takes at once: past it /readyz answers 503 and new calls are refused, so a balancer sends them elsewhere. */
  MAX_CALLS: optionalString.pipe(z.coerce.number<string | undefined>({ error: 'must be a whole number of calls' }).int().min(1).optional()),
  /** An instance not heard from for this long is dead and its calls are marked instance_lost; it heartbeats three times as often. */
  REGISTRY_TTL_MS: z.coerce.number().int().min(300).max(600_000).default(10_000),
  // Call policies: silence prompts and the idle hang-up (0 turns prompts off), and the call's time limit (0: none).
  IDLE_PROMPT_MS: z.coerce.number().int().min(0).max(600_000).refine((ms) => ms === 0 || ms >= 1000, 'must be 0 (off) or at least 1000').default(8000),
  IDLE_PROMPTS_BEFORE_HANGUP: z.coerce.number().int().min(0).max(10).default(2),
  MAX_CALL_DURATION_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3_600_000)
    .refine((ms) => ms === 0 || ms >= 10_000, 'must be 0 (none) or at least 10000')
    .default(1_800_000),
  /** A folder of agent definitions (*.json), each with the numbers it answers; unset: the one agent of AGENT_CONFIG. */
  AGENTS_DIR: optionalString,
  /** Where each ended call's report is POSTed (http:// or https://); unset: no reports. */
  CALL_WEBHOOK_URL: optionalString.pipe(
    z
      .string()
      .url('must be an absolute URL such as https://ehr.example.com/calls')
      .refine((u) => /^https?:\/\//.test(u), 'must start with https:// or http://')
      .optional(),
  ),
  /** The HMAC-SHA256 key of the reports' signature header. */
  CALL_WEBHOOK_SECRET: optionalString,
  CALL_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  CALL_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** RNNoise on the embedded engine's input, before its VAD and recogniser hear the caller (bench/noise-wer.ts decided the default). */
  NOISE_SUPPRESSION: optionalString.pipe(z.enum(['on', 'off'], { error: 'must be on or off' }).default('on')),
  /** Traces: set either and calls are traced over OTLP/HTTP; the SDK reads these and the other OTEL_* variables itself. */
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl('http://collector:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl('http://collector:4318/v1/traces'),
});

export type Env = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment; throws ConfigError listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  return parseVariables(EnvSchema, source);
}

/** Parses an environment with a schema of some of its variables; throws ConfigError listing every bad one. */
export function parseVariables<T>(schema: z.ZodType<T>, source: Record<string, string | undefined>): T {
  const r = schema.safeParse(source);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
}

/** Loads `.env` from the working directory into process.env (real environment variables win). */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

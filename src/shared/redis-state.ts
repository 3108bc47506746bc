// The shared state of many instances on Redis (REDIS_URL). What lives where, under the key prefix:
//   instances                 set of instance ids ever registered and not yet swept
//   instance:<id>             the instance's InstanceInfo (JSON), expiring REGISTRY_TTL_MS after its last heartbeat
//   calls:<id>                hash: callSid -> LostCall (JSON), the instance's calls in progress
//   call-owner                hash: callSid -> instance id, for routing commands
//   feed-start:<callSid>      the call's call_started event, and
//   feed:<callSid>            list: its newest events since (JSON, capped): replayed to dashboards opening mid-call
//   sweep:<id>                lock: the one survivor ending a dead instance's calls
//   ticket:<ticket>           a softphone ticket, spent with GETDEL
//   channels feed, control:<id>, reply:<id>: call events; commands to an instance; its answers
//
// Two connections: commands (no offline queue, so a command fails at once while Redis is away instead of
// piling up) and subscriptions (ioredis subscribes again after a reconnect). Publishing never waits: a call
// event goes into a pipeline whose outcome nobody awaits. While Redis is away, the gauge reads 0, one line
// says why, and everything shared degrades: tickets are refused, commands answer 502, the feed shows this
// instance's calls only. When Redis is back, the instance registers itself and its calls again.
import { randomBytes } from 'node:crypto';
import { Redis, type ChainableCommander } from 'ioredis';
import type { CallEvent } from '../domain/call.js';
import type { CallCommand, CommandResult, InstanceHost, InstanceInfo, LostCall, SharedState, TicketBook } from '../domain/shared-state.js';
import { errorMessage } from '../observability/error-message.js';
import type { Logger } from '../observability/log.js';
import { instanceInfo } from './in-process.js';

export interface RedisStateOptions {
  url: string;
  /** Prefix of every key and channel: several services (or tests) can share one Redis. */
  keyPrefix: string;
  /** An instance not heard from for this long is dead; heartbeats come three times as often. */
  registryTtlMs: number;
  ticketTtlMs: number;
  /** How long a command waits for the instance holding the call. */
  commandTimeoutMs?: number;
  /** Events kept per call in progress for replay. */
  maxEventsPerCall?: number;
  logger: Logger;
  /** Called with every change of reachability (the phone_agent_shared_state_up gauge). */
  onUp?: (up: boolean) => void;
}

interface CommandMessage {
  id: string;
  replyTo: string;
  callSid: string;
  command: CallCommand;
}

interface ReplyMessage {
  id: string;
  result: CommandResult;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_EVENTS_PER_CALL = 2_000;
/** How long to wait for Redis at startup before serving degraded. */
const CONNECT_WAIT_MS = 3_000;
/** Ends of calls that happened while Redis was away, told when it is back: at most this many are kept. */
const MAX_MISSED_ENDS = 1_000;

export class RedisSharedState implements SharedState {
  readonly tickets: TicketBook;
  readonly #options: Required<Omit<RedisStateOptions, 'onUp'>> & Pick<RedisStateOptions, 'onUp'>;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #subscribers = new Set<(event: CallEvent) => void>();
  readonly #pending = new Map<string, (result: CommandResult) => void>();
  #host: InstanceHost | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** Undefined until the first connection attempt has succeeded or failed, so that either is logged. */
  #up: boolean | undefined;
  /**
   * Dead instances are swept, and the ends of calls missed during an outage told, only once this instance has
   * been connected for a whole TTL: the others get time to connect, register and subscribe again first.
   */
  #sweepFrom = Infinity;
  #closed = false;
  #wasUp = false;
  readonly #missedEnds: CallEvent[] = [];

  constructor(options: RedisStateOptions) {
    this.#options = {
      commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
      maxEventsPerCall: DEFAULT_MAX_EVENTS_PER_CALL,
      ...options,
    };
    // Quick enough that every instance is back well within a TTL of Redis returning (see #sweepFrom).
    const retryStrategy = (attempt: number) => Math.min(100 * attempt, 500);
    this.#redis = new Redis(options.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy });
    this.#subscriber = new Redis(options.url, { lazyConnect: true, retryStrategy });
    for (const connection of [this.#redis, this.#subscriber]) {
      // ioredis reconnects by itself; the errors only tell why it is down, which the state change logs once.
      connection.on('error', (err: Error) => this.#setUp(false, err.message));
      connection.on('close', () => this.#setUp(false, 'connection closed'));
      connection.on('ready', () => {
        if (this.#redis.status === 'ready' && this.#subscriber.status === 'ready') this.#setUp(true);
      });
    }
    this.#subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.#receive(channel.toString(), message.toString()));
    const ticketTtlMs = options.ticketTtlMs;
    this.tickets = {
      ttlMs: ticketTtlMs,
      issue: async () => {
        const ticket = randomBytes(24).toString('base64url');
        await this.#redis.set(this.#key(`ticket:${ticket}`), '1', 'PX', ticketTtlMs);
        return ticket;
      },
      redeem: async (ticket) => (await this.#redis.getdel(this.#key(`ticket:${ticket}`))) !== null,
    };
  }

  /** The command connection, for what keeps its own keys here (the rate limits' counts). */
  get connection(): Redis {
    return this.#redis;
  }

  get up(): boolean {
    return this.#up === true;
  }

  async start(host: InstanceHost): Promise<void> {
    this.#host = host;
    const { id } = host;
    // Queued until connected, and subscribed again by ioredis after every reconnect.
    this.#subscriber.subscribe(this.#key('feed'), this.#key(`control:${id}`), this.#key(`reply:${id}`)).catch(() => undefined);
    this.#redis.connect().catch(() => undefined);
    const connected = await Promise.race([
      new Promise<boolean>((resolve) => this.#redis.once('ready', () => resolve(true))),
      new Promise<boolean>((resolve) => setTimeout(resolve, CONNECT_WAIT_MS, false).unref()),
    ]);
    if (!connected) this.#setUp(false, `no answer from ${redactedUrl(this.#options.url)} within ${CONNECT_WAIT_MS} ms`);
    this.#heartbeat = setInterval(() => void this.#beat(), Math.max(50, Math.floor(this.#options.registryTtlMs / 3)));
    this.#heartbeat.unref();
    if (connected) await this.#register();
  }

  publish(event: CallEvent): void {
    const host = this.#host;
    if (!host) return;
    if (this.#redis.status !== 'ready') {
      // The other instances still show the call in progress: its end is told when Redis is back.
      if (event.type === 'call_ended' && this.#missedEnds.length < MAX_MISSED_ENDS) this.#missedEnds.push(event);
      return;
    }
    const pipeline = this.#redis.pipeline();
    this.#eventCommands(pipeline, host, event);
    // Nobody waits for this: a call event must never wait on Redis.
    pipeline.exec().catch(() => undefined);
  }

  #eventCommands(pipeline: ChainableCommander, host: InstanceHost, event: CallEvent): void {
    pipeline.publish(this.#key('feed'), JSON.stringify({ from: host.id, event }));
    if (event.type === 'call_started') {
      const callSid = event.call.callSid;
      const lost: LostCall = { callSid, startedAt: event.call.startedAt };
      pipeline
        .hset(this.#key(`calls:${host.id}`), callSid, JSON.stringify(lost))
        .hset(this.#key('call-owner'), callSid, host.id)
        .set(this.#key(`feed-start:${callSid}`), JSON.stringify(event))
        .del(this.#key(`feed:${callSid}`));
    } else if (event.type === 'call_ended') {
      pipeline
        .hdel(this.#key(`calls:${host.id}`), event.callSid)
        .hdel(this.#key('call-owner'), event.callSid)
        .del(this.#key(`feed-start:${event.callSid}`), this.#key(`feed:${event.callSid}`));
    } else {
      const key = this.#key(`feed:${event.callSid}`);
      pipeline.rpush(key, JSON.stringify(event)).ltrim(key, -this.#options.maxEventsPerCall, -1);
    }
  }

  subscribe(fn: (event: CallEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  async replay(): Promise<CallEvent[][]> {
    const host = this.#host;
    if (this.#redis.status !== 'ready') return [];
    try {
      const owners = await this.#redis.hgetall(this.#key('call-owner'));
      const callSids = Object.entries(owners).flatMap(([callSid, owner]) => (owner === host?.id ? [] : [callSid]));
      if (callSids.length === 0) return [];
      const pipeline = this.#redis.pipeline();
      for (const callSid of callSids) pipeline.get(this.#key(`feed-start:${callSid}`)).lrange(this.#key(`feed:${callSid}`), 0, -1);
      const results = ((await pipeline.exec()) ?? []).map(([err, value]) => (err ? undefined : value));
      const calls: CallEvent[][] = [];
      for (let i = 0; i < results.length; i += 2) {
        const [started, rest] = [results[i], results[i + 1]];
        if (typeof started !== 'string') continue;
        calls.push([started, ...(Array.isArray(rest) ? rest : [])].map((e) => JSON.parse(String(e)) as CallEvent));
      }
      return calls;
    } catch (err) {
      this.#options.logger.warn({ err: errorMessage(err) }, 'live feed: the other instances calls in progress could not be read');
      return [];
    }
  }

  async command(callSid: string, command: CallCommand): Promise<CommandResult> {
    const host = this.#host;
    if (!host) return { ok: false, status: 404, error: `no call ${callSid} is live` };
    let owner: string | null;
    try {
      owner = await this.#redis.hget(this.#key('call-owner'), callSid);
      if (owner === null) return { ok: false, status: 404, error: `no call ${callSid} is live on any instance` };
      if (owner === host.id) return host.execute(callSid, command);
      if (!(await this.#redis.exists(this.#key(`instance:${owner}`)))) {
        return { ok: false, status: 404, error: `call ${callSid} was on instance ${owner}, which is gone` };
      }
    } catch (err) {
      return { ok: false, status: 502, error: `the shared state (Redis) is unreachable: ${errorMessage(err)}` };
    }
    const id = randomBytes(8).toString('hex');
    const { commandTimeoutMs } = this.#options;
    const answered = new Promise<CommandResult>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ ok: false, status: 504, error: `instance ${owner} holding call ${callSid} did not answer within ${commandTimeoutMs} ms` });
      }, commandTimeoutMs);
      this.#pending.set(id, (result) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(result);
      });
    });
    const message: CommandMessage = { id, replyTo: host.id, callSid, command };
    try {
      await this.#redis.publish(this.#key(`control:${owner}`), JSON.stringify(message));
    } catch (err) {
      this.#pending.get(id)?.({ ok: false, status: 502, error: `the shared state (Redis) is unreachable: ${errorMessage(err)}` });
    }
    return answered;
  }

  async instances(): Promise<InstanceInfo[]> {
    const host = this.#host;
    const own = host ? [instanceInfo(host)] : [];
    if (this.#redis.status !== 'ready') return own;
    const ids = await this.#redis.smembers(this.#key('instances'));
    const others = ids.filter((id) => id !== host?.id).sort();
    if (others.length === 0) return own;
    const infos = await this.#redis.mget(others.map((id) => this.#key(`instance:${id}`)));
    return [...own, ...infos.flatMap((info) => (info === null ? [] : [JSON.parse(info) as InstanceInfo]))];
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    const host = this.#host;
    if (host && this.#redis.status === 'ready') {
      // A clean stop: nobody needs to sweep this instance (its calls have ended by now).
      await this.#redis
        .multi()
        .del(this.#key(`instance:${host.id}`), this.#key(`calls:${host.id}`))
        .srem(this.#key('instances'), host.id)
        .exec()
        .catch(() => undefined);
    }
    for (const resolve of this.#pending.values()) resolve({ ok: false, status: 502, error: 'this instance is shutting down' });
    this.#redis.disconnect();
    this.#subscriber.disconnect();
  }

  #key(name: string): string {
    return `${this.#options.keyPrefix}${name}`;
  }

  #setUp(up: boolean, reason?: string): void {
    if (this.#closed || up === this.#up) return;
    this.#up = up;
    this.#options.onUp?.(up);
    if (up) {
      this.#options.logger.info(this.#wasUp ? 'shared state: Redis is reachable; shared features are back' : 'shared state: connected to Redis');
      this.#wasUp = true;
      this.#sweepFrom = Date.now() + this.#options.registryTtlMs;
      void this.#register();
    } else {
      this.#sweepFrom = Infinity;
      this.#options.logger.warn(
        { reason },
        'shared state: Redis is unreachable; calls go on, but the shared live feed, tickets, call control across instances and the registry wait for it',
      );
    }
  }

  /** This instance and its calls in the registry: at start, and again whenever Redis comes back (it may have lost everything). */
  async #register(): Promise<void> {
    const host = this.#host;
    if (!host || this.#redis.status !== 'ready') return;
    const pipeline = this.#redis.pipeline();
    this.#heartbeatCommands(pipeline, host);
    for (const call of host.liveCalls()) {
      const lost: LostCall = { callSid: call.callSid, startedAt: call.startedAt };
      pipeline.hset(this.#key(`calls:${host.id}`), call.callSid, JSON.stringify(lost)).hset(this.#key('call-owner'), call.callSid, host.id);
    }
    await pipeline.exec().catch(() => undefined);
  }

  #heartbeatCommands(pipeline: ChainableCommander, host: InstanceHost): void {
    pipeline.set(this.#key(`instance:${host.id}`), JSON.stringify(instanceInfo(host)), 'PX', this.#options.registryTtlMs).sadd(this.#key('instances'), host.id);
  }

  async #beat(): Promise<void> {
    const host = this.#host;
    if (!host || this.#redis.status !== 'ready') return;
    const pipeline = this.#redis.pipeline();
    this.#heartbeatCommands(pipeline, host);
    // Told once the others have had time to subscribe again too (pub/sub keeps nothing for a subscriber that is away).
    if (Date.now() >= this.#sweepFrom) for (const ended of this.#missedEnds.splice(0)) this.#eventCommands(pipeline, host, ended);
    await pipeline.exec().catch(() => undefined);
    if (Date.now() < this.#sweepFrom) return;
    await this.#sweep(host).catch((err: unknown) => this.#options.logger.warn({ err: errorMessage(err) }, 'sweeping dead instances failed'));
  }

  /** Ends the records of calls held by instances that stopped heartbeating; a lock makes one survivor do each. */
  async #sweep(host: InstanceHost): Promise<void> {
    const ids = (await this.#redis.smembers(this.#key('instances'))).filter((id) => id !== host.id);
    for (const id of ids) {
      if (await this.#redis.exists(this.#key(`instance:${id}`))) continue;
      const locked = await this.#redis.set(this.#key(`sweep:${id}`), host.id, 'PX', this.#options.registryTtlMs, 'NX');
      if (locked !== 'OK') continue;
      const entries = await this.#redis.hgetall(this.#key(`calls:${id}`));
      const calls = Object.values(entries).map((json) => JSON.parse(json) as LostCall);
      const cleanup = this.#redis.multi().del(this.#key(`calls:${id}`)).srem(this.#key('instances'), id);
      for (const { callSid } of calls) cleanup.hdel(this.#key('call-owner'), callSid).del(this.#key(`feed-start:${callSid}`), this.#key(`feed:${callSid}`));
      await cleanup.exec();
      this.#options.logger.warn({ instance: id, calls: calls.length }, 'an instance stopped heartbeating: its calls are marked instance_lost');
      if (calls.length > 0) host.callsLost(id, calls);
    }
  }

  async #answer(host: InstanceHost, request: CommandMessage): Promise<void> {
    const reply: ReplyMessage = { id: request.id, result: await host.execute(request.callSid, request.command) };
    try {
      await this.#redis.publish(this.#key(`reply:${request.replyTo}`), JSON.stringify(reply));
    } catch (err) {
      this.#options.logger.warn({ err: errorMessage(err), callSid: request.callSid }, 'a routed call command could not be answered');
    }
  }

  #receive(channel: string, message: string): void {
    const host = this.#host;
    if (!host) return;
    try {
      if (channel === this.#key('feed')) {
        const { from, event } = JSON.parse(message) as { from: string; event: CallEvent };
        if (from === host.id) return;
        for (const fn of this.#subscribers) fn(event);
      } else if (channel === this.#key(`control:${host.id}`)) {
        void this.#answer(host, JSON.parse(message) as CommandMessage);
      } else if (channel === this.#key(`reply:${host.id}`)) {
        const reply = JSON.parse(message) as ReplyMessage;
        this.#pending.get(reply.id)?.(reply.result);
      }
    } catch (err) {
      this.#options.logger.warn({ err: errorMessage(err), channel }, 'shared state: an unreadable message was ignored');
    }
  }
}

/** The URL without its password, for logs. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}

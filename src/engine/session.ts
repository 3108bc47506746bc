// One Voice Agent V1 connection to the embedded engine, behaving as Deepgram's service does: Welcome at
// once, exactly one Settings, SettingsApplied when listening has started, then caller audio in and the
// agent's replies out. Everything the connection owns (parts, timers, replies, buffers) lives here and
// is released by close(); nothing is shared with other connections except the engine's parts.
import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import { ErrorCode, parseClientMessage, type ClientMessage, type ServerMessage } from '../agent/messages.js';
import { parseSettings, primarySpeak, primaryThink, type Settings, type SpeakSettings, type ThinkSettings } from '../agent/settings.js';
import { ByteQueue } from '../audio/byte-queue.js';
import { errorMessage } from '../observability/error-message.js';
import type { Logger } from '../observability/log.js';
import { AgentAudioOut, DEFAULT_AUDIO_OUT, type AgentAudioOutOptions } from './agent-audio-out.js';
import { InputAudioDecoder, OutputAudioEncoder, unsupportedInputReason, unsupportedOutputReason } from './audio-format.js';
import type { Clock } from '../domain/clock.js';
import { Conversation } from './conversation.js';
import { expectedPhrases } from './expected-phrases.js';
import { DEFAULT_FUNCTION_CALLS, FunctionCalls, type FunctionCallsOptions } from './function-calls.js';
import { Reply, type ReplyPlan } from './reply.js';
import type { NoiseSuppressor, SpeechToText, TextToSpeech, ThinkProvider, VoiceActivityDetector } from './types.js';
import { DEFAULT_USER_SPEECH, UserSpeech, type Utterance, type UserSpeechOptions } from './user-speech.js';

/** The engine's parts, shared by all sessions; each session gets its own detector, recogniser and providers. */
export interface EngineParts {
  speechToText: SpeechToText;
  createVad(): VoiceActivityDetector;
  /** Cleans each call's audio before its VAD and recogniser hear it; absent: they hear it as it comes. */
  createNoiseSuppressor?(): Promise<NoiseSuppressor>;
  createTextToSpeech(speak: SpeakSettings | undefined): TextToSpeech;
  createThinkProvider(think: ThinkSettings): ThinkProvider;
}

export interface EngineSessionOptions {
  /** A client that sends nothing (no audio, no KeepAlive) for this long gets CLIENT_MESSAGE_TIMEOUT. */
  clientTimeoutMs: number;
  /** Caller audio kept while listening starts up (between Settings and SettingsApplied); older audio is dropped. */
  maxStartupAudioMs: number;
  /** Text messages kept while listening starts up. */
  maxStartupMessages: number;
  /** After this many unusable messages the client is disconnected. */
  maxBadMessages: number;
  /** InjectAgentMessage texts waiting (behavior "queue") behind the current reply. */
  maxQueuedInjections: number;
  audioOut: AgentAudioOutOptions;
  functionCalls: FunctionCallsOptions;
  userSpeech: UserSpeechOptions;
}

export const DEFAULT_SESSION_OPTIONS: EngineSessionOptions = {
  clientTimeoutMs: 10_000,
  maxStartupAudioMs: 5_000,
  maxStartupMessages: 64,
  maxBadMessages: 20,
  maxQueuedInjections: 16,
  audioOut: DEFAULT_AUDIO_OUT,
  functionCalls: DEFAULT_FUNCTION_CALLS,
  userSpeech: DEFAULT_USER_SPEECH,
};

export interface EngineSessionDeps {
  parts: EngineParts;
  clock: Clock;
  log: Logger;
  options: EngineSessionOptions;
}

// Deepgram's own wording for this error.
const TIMEOUT_DESCRIPTION = "We waited too long for a websocket message. Please ensure that you're sending binary messages containing user speech.";

/** The parts of a session that exist once its Settings are applied. */
interface Agent {
  settings: Settings;
  decoder: InputAudioDecoder;
  suppressor: NoiseSuppressor | undefined;
  encoder: OutputAudioEncoder;
  audio: AgentAudioOut;
  listener: UserSpeech;
  conversation: Conversation;
  functionCalls: FunctionCalls;
  think: ThinkProvider[];
  thinkSettings: ThinkSettings;
  tts: TextToSpeech;
  history: boolean;
}

type State = 'awaiting_settings' | 'starting' | 'ready' | 'closed';

export class EngineSession {
  readonly requestId = randomUUID();
  /** Settles when the connection is closed and everything it held is released. */
  readonly closed: Promise<void>;
  readonly #log: Logger;
  #state: State = 'awaiting_settings';
  #agent: Agent | undefined;
  #current: Reply | undefined;
  /** The answer a noise interrupted before it spoke (see speechStarted). */
  #unanswered: ReplyPlan | undefined;
  #queuedInjections: string[] = [];
  /** Sized from the Settings' input format, so it exists once they arrive. */
  #startupAudio: ByteQueue | undefined;
  #startupMessages: string[] = [];
  /** Updates' acknowledgements in the order asked; a recogniser rebuild holds back its own and those after it. */
  #updates: Promise<void> = Promise.resolve();
  #vocabularyVersion = 0;
  #badMessages = 0;
  #lastMessageAt: number;
  #idleTimer: unknown;
  #resolveClosed!: () => void;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: EngineSessionDeps,
  ) {
    this.#log = deps.log.child({ request_id: this.requestId });
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#lastMessageAt = deps.clock.now();
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    socket.on('close', () => this.#release());
    socket.on('error', (error) => this.#log.warn({ err: error }, 'engine socket error'));
    this.#send({ type: 'Welcome', request_id: this.requestId });
    this.#armIdleTimer(deps.options.clientTimeoutMs);
  }

  /** Ends the session from the server side (shutdown). */
  close(reason = 'server closing'): void {
    this.#closeSocket(reason);
    this.#release();
  }

  // ---- input --------------------------------------------------------------------------------------

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#state === 'closed') return;
    this.#lastMessageAt = this.deps.clock.now();
    try {
      if (isBinary) this.#onAudio(toBytes(data));
      else this.#onText(toBytes(data).toString('utf8'));
    } catch (error) {
      // A bug in handling one message must end this call cleanly, never the process.
      this.#log.error({ err: error }, 'engine session failed');
      this.#fail(ErrorCode.INTERNAL_SERVER_ERROR, 'internal error');
    }
  }

  #onAudio(bytes: Buffer): void {
    switch (this.#state) {
      case 'awaiting_settings':
        return this.#fail(ErrorCode.NON_SETTINGS_MESSAGE_BEFORE_SETTINGS, 'Audio received before Settings: send Settings first.');
      case 'starting':
        return this.#startupAudio!.push(bytes);
      case 'ready': {
        const agent = this.#agent!;
        const samples = agent.decoder.decode(bytes);
        agent.listener.push(agent.suppressor ? agent.suppressor.process(samples) : samples);
        return;
      }
    }
  }

  #onText(text: string): void {
    if (this.#state === 'starting') {
      if (this.#startupMessages.length < this.deps.options.maxStartupMessages) this.#startupMessages.push(text);
      else this.#complain('too many messages before SettingsApplied');
      return;
    }
    if (this.#state === 'awaiting_settings') return this.#onFirstText(text);
    const parsed = parseClientMessage(text);
    if (parsed.kind === 'invalid') return this.#complain(parsed.reason);
    if (parsed.kind === 'unknown') return this.#complain(`unknown message type ${JSON.stringify(parsed.type)}`);
    this.#onControl(parsed.message);
  }

  #onFirstText(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.#complain('message is not JSON');
    }
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    if (type !== 'Settings') {
      return this.#fail(
        ErrorCode.NON_SETTINGS_MESSAGE_BEFORE_SETTINGS,
        `Received ${JSON.stringify(type ?? null)} before Settings: the first message must be Settings.`,
      );
    }
    const result = parseSettings(raw);
    if (!result.ok) return this.#fail(ErrorCode.INVALID_SETTINGS, result.error);
    const audioProblem = unsupportedInputReason(result.settings.audio.input) ?? unsupportedOutputReason(result.settings.audio.output);
    if (audioProblem) return this.#fail(ErrorCode.INVALID_SETTINGS, `audio: ${audioProblem}`);
    const input = result.settings.audio.input;
    this.#startupAudio = new ByteQueue({
      bytes: (input.sample_rate * (input.encoding === 'linear16' ? 2 : 1) * this.deps.options.maxStartupAudioMs) / 1000,
      keep: 'at-most-and-newest',
    });
    this.#state = 'starting';
    this.#start(result.settings).catch((error: unknown) => {
      this.#log.error({ err: error }, 'engine session could not start');
      this.#fail(ErrorCode.FAILED_TO_START_LISTENING, `could not start: ${errorMessage(error)}`);
    });
  }

  #onControl(message: ClientMessage): void {
    const agent = this.#agent!;
    switch (message.type) {
      case 'Settings':
        return this.#send({ type: 'Error', code: ErrorCode.SETTINGS_ALREADY_APPLIED, description: 'Settings can be sent only once per connection.' });
      case 'KeepAlive':
        return;
      case 'UpdatePrompt':
        agent.conversation.prompt = message.prompt;
        return this.#refreshVocabulary({ type: 'PromptUpdated' });
      case 'UpdateSpeak': {
        const speak = Array.isArray(message.speak) ? message.speak[0] : message.speak;
        agent.tts = this.deps.parts.createTextToSpeech(speak);
        return this.#acknowledge({ type: 'SpeakUpdated' });
      }
      case 'UpdateThink': {
        const list = Array.isArray(message.think) ? message.think : [message.think];
        agent.think = list.map((t) => this.deps.parts.createThinkProvider(t));
        agent.thinkSettings = list[0]!;
        if (agent.thinkSettings.prompt !== undefined) agent.conversation.prompt = agent.thinkSettings.prompt;
        return this.#refreshVocabulary({ type: 'ThinkUpdated' });
      }
      case 'InjectUserMessage':
        return this.#userTurn(message.content, this.deps.clock.now(), this.deps.clock.now());
      case 'InjectAgentMessage':
        return this.#injectAgentMessage(message.message, message.behavior);
      case 'FunctionCallResponse':
        if (!agent.functionCalls.answer(message)) this.#log.info({ name: message.name, id: message.id }, 'FunctionCallResponse for no pending call');
        return;
      case 'ForceEndTurn':
        return agent.listener.forceEnd();
    }
  }

  /**
   * The recogniser only hears words its language model knows, and that model is built from the prompt and
   * the think provider: a new prompt or provider needs a new recogniser. Thinking uses the change at once;
   * `ack` goes out once speech is recognised with the new vocabulary (or the rebuild failed and the old one stays).
   */
  #refreshVocabulary(ack: ServerMessage): void {
    const agent = this.#agent!;
    const version = ++this.#vocabularyVersion;
    this.#acknowledge(ack, async () => {
      // A burst of updates builds one recogniser, for the last of them: the earlier ones are only acknowledged.
      if (version !== this.#vocabularyVersion || this.#state === 'closed') return;
      const phrases = expectedPhrases(agent.settings, { ...agent.thinkSettings, prompt: agent.conversation.prompt }, agent.think[0]!);
      try {
        agent.listener.useRecognizer(await this.deps.parts.speechToText.createRecognizer(phrases));
      } catch (err) {
        this.#log.warn({ err }, 'could not rebuild the recogniser for the new prompt; the previous vocabulary stays');
      }
    });
  }

  #acknowledge(ack: ServerMessage, before?: () => Promise<void>): void {
    this.#updates = this.#updates.then(async () => {
      await before?.();
      if (this.#state !== 'closed') this.#send(ack);
    });
  }

  // ---- start-up -----------------------------------------------------------------------------------

  async #start(settings: Settings): Promise<void> {
    const { parts, clock, options } = this.deps;
    const thinkList = Array.isArray(settings.agent.think) ? settings.agent.think : [settings.agent.think];
    const think = thinkList.map((t) => parts.createThinkProvider(t));
    const thinkSettings = primaryThink(settings);
    const recognizer = await parts.speechToText.createRecognizer(expectedPhrases(settings, thinkSettings, think[0]!));
    const suppressor = await parts.createNoiseSuppressor?.().catch((error: unknown) => {
      recognizer.close();
      throw error;
    });
    if (this.#state === 'closed') {
      recognizer.close();
      suppressor?.close();
      return;
    }
    const vad = parts.createVad();
    const encoder = new OutputAudioEncoder(settings.audio.output);
    const bytesPerMs = (encoder.sampleRate * (settings.audio.output.encoding === 'linear16' ? 2 : 1)) / 1000;
    const sink = { sendBinary: (bytes: Uint8Array) => this.#sendBinary(bytes), bufferedAmount: () => this.socket.bufferedAmount };
    this.#agent = {
      settings,
      decoder: new InputAudioDecoder(settings.audio.input),
      suppressor,
      encoder,
      audio: new AgentAudioOut(sink, bytesPerMs, clock, options.audioOut),
      listener: new UserSpeech(vad, recognizer, clock, this.#listenerEvents(), options.userSpeech),
      conversation: new Conversation(thinkSettings.prompt ?? '', settings.agent.context?.messages),
      functionCalls: new FunctionCalls((m) => this.#send(m), clock, options.functionCalls),
      think,
      thinkSettings,
      tts: parts.createTextToSpeech(primarySpeak(settings)),
      history: settings.flags?.history !== false,
    };
    this.#state = 'ready';
    this.#log.info({ input: settings.audio.input, output: settings.audio.output, noise_suppression: suppressor !== undefined }, 'engine session ready');
    this.#send({ type: 'SettingsApplied' });
    if (settings.agent.greeting?.trim()) this.#startReply({ kind: 'say', text: settings.agent.greeting.trim() });
    for (const bytes of this.#startupAudio!.take()) this.#onAudio(bytes);
    for (const text of this.#startupMessages.splice(0)) if (this.#state === 'ready') this.#onText(text);
  }

  // ---- turns --------------------------------------------------------------------------------------

  #listenerEvents() {
    return {
      speechStarted: () => {
        this.#send({ type: 'UserStartedSpeaking' });
        // Barge-in: the caller talks over the agent, so the agent stops (and stops thinking) at once.
        const cut = this.#current;
        this.#interrupt();
        // An answer cut off before it said anything is owed to the caller if this turns out to be noise.
        this.#unanswered = cut && cut.plan.kind === 'answer' && !cut.spoke ? cut.plan : undefined;
      },
      utterance: (u: Utterance) => {
        if (u.text) return this.#userTurn(u.text, u.endedAt, u.recognizedAt);
        if (this.#unanswered && !this.#current) this.#startReply(this.#unanswered);
      },
      recognitionFailed: (error: unknown) => {
        this.#log.error({ err: error }, 'speech recognition failed');
        this.#fail(ErrorCode.INTERNAL_SERVER_ERROR, 'speech recognition failed');
      },
    };
  }

  #userTurn(text: string, endedAt: number, recognizedAt: number): void {
    const agent = this.#agent!;
    this.#send({ type: 'ConversationText', role: 'user', content: text });
    if (agent.history) this.#send({ type: 'History', role: 'user', content: text });
    this.#interrupt();
    agent.conversation.addUser(text);
    this.#startReply({ kind: 'answer', endedAt, recognizedAt });
  }

  #injectAgentMessage(text: string, behavior: 'default' | 'queue' | 'interrupt'): void {
    const busy = this.#current !== undefined || this.#agent!.listener.speaking;
    if (behavior === 'interrupt' || !busy) return this.#startReply({ kind: 'say', text });
    if (behavior === 'default') {
      const who = this.#agent!.listener.speaking ? 'the user is speaking' : 'the agent is responding';
      return this.#send({ type: 'InjectionRefused', message: `Injection refused: ${who}.` });
    }
    if (this.#queuedInjections.length >= this.deps.options.maxQueuedInjections) {
      return this.#send({ type: 'InjectionRefused', message: 'Injection refused: too many queued messages.' });
    }
    this.#queuedInjections.push(text);
  }

  #interrupt(): void {
    this.#current?.abort();
    this.#current = undefined;
  }

  #startReply(plan: ReplyPlan): void {
    this.#interrupt();
    this.#unanswered = undefined;
    const agent = this.#agent!;
    const reply = new Reply(
      {
        send: (m) => this.#send(m),
        clock: this.deps.clock,
        conversation: agent.conversation,
        history: agent.history,
        think: agent.think,
        functions: agent.thinkSettings.functions ?? [],
        functionCalls: agent.functionCalls,
        tts: agent.tts,
        encode: (samples) => agent.encoder.encode(samples),
        audio: agent.audio,
      },
      plan,
    );
    this.#current = reply;
    void reply.done.then(() => this.#replyEnded(reply));
  }

  #replyEnded(reply: Reply): void {
    if (this.#current !== reply || this.#state !== 'ready') return;
    this.#current = undefined;
    const next = this.#queuedInjections.shift();
    if (next !== undefined) this.#startReply({ kind: 'say', text: next });
  }

  // ---- output, errors, lifetime -------------------------------------------------------------------

  #send(message: ServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  #sendBinary(bytes: Uint8Array): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(bytes, { binary: true });
  }

  /** A recoverable mistake by the client: reported, and counted towards disconnecting it. */
  #complain(description: string): void {
    this.#send({ type: 'Error', code: ErrorCode.UNPARSABLE_CLIENT_MESSAGE, description });
    if (++this.#badMessages >= this.deps.options.maxBadMessages) this.#fail(ErrorCode.UNPARSABLE_CLIENT_MESSAGE, 'too many unusable messages');
  }

  /** A fatal error: reported, then the connection closes. */
  #fail(code: string, description: string): void {
    if (this.#state === 'closed') return;
    this.#log.info({ code, description }, 'engine session error');
    this.#send({ type: 'Error', code, description });
    this.close(code);
  }

  #armIdleTimer(ms: number): void {
    this.#idleTimer = this.deps.clock.setTimeout(() => {
      // One timer per session, re-armed for the remainder, rather than a new timer per audio frame.
      const quietMs = this.deps.clock.now() - this.#lastMessageAt;
      const limit = this.deps.options.clientTimeoutMs;
      if (quietMs >= limit) this.#fail(ErrorCode.CLIENT_MESSAGE_TIMEOUT, TIMEOUT_DESCRIPTION);
      else this.#armIdleTimer(limit - quietMs);
    }, ms);
  }

  #closeSocket(reason: string): void {
    const { socket } = this;
    // Code 1000 even after an Error: the Error message carries the reason, and SDK clients reconnect on
    // any other code, which would open a new session without Settings.
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(1000, reason.slice(0, 120));
  }

  #release(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.deps.clock.clearTimeout(this.#idleTimer);
    this.#interrupt();
    this.#agent?.listener.close();
    this.#agent?.suppressor?.close();
    this.#startupAudio = undefined;
    this.#startupMessages = [];
    this.#queuedInjections = [];
    this.#log.info('engine session closed');
    this.#resolveClosed();
  }
}

function toBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

// The built-in think provider: a receptionist for the clinic that needs no model. It holds the
// call's dialog state and the function call it waits for; the step functions (steps/*) decide, from
// each new user turn or function result, the next state, a few short sentences and at most one
// function call. Only functions the agent declares are ever called.
import { randomUUID } from 'node:crypto';
import type { ChatMessage, ThinkEvent, ThinkProvider, ThinkRequest, ToolCall } from '../../types.js';
import { assertTimeZone, defaultTimeZone, todayIn } from './calendar.js';
import { clinicPhrases } from './phrases.js';
import { parseResult } from './results.js';
import { initialState, type DialogState, type Purpose, type Step, type StepContext } from './state.js';
import { functionResult } from './steps/function-result.js';
import { userTurn } from './steps/user-turn.js';

export interface ClinicDialogOptions {
  /** The clock "today" and "tomorrow" are relative to. Default: the system clock. */
  now?: () => Date;
  /** IANA zone of the clinic, for what "today" is. Default: the server's zone. */
  timeZone?: string;
  /** Misunderstood turns in a row before the caller is handed to staff. Default 3. */
  maxMisunderstandings?: number;
}

export class ClinicDialog implements ThinkProvider {
  readonly #now: () => Date;
  readonly #timeZone: string;
  readonly #maxMisunderstandings: number;

  #state: DialogState = initialState;
  #pending: { id: string; purpose: Purpose } | undefined;

  constructor(options: ClinicDialogOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#timeZone = options.timeZone ?? defaultTimeZone();
    assertTimeZone(this.#timeZone);
    this.#maxMisunderstandings = options.maxMisunderstandings ?? 3;
  }

  expectedPhrases(): string[] {
    return clinicPhrases();
  }

  async *respond(request: ThinkRequest): AsyncGenerator<ThinkEvent> {
    const declared = new Set(request.functions.map((f) => f.name));
    const ctx: StepContext = {
      can: (name) => declared.has(name),
      today: todayIn(this.#timeZone, this.#now()),
      maxMisunderstandings: this.#maxMisunderstandings,
    };
    const step = this.#next(request.messages, ctx);
    if (!step) return;
    this.#state = step.state;
    const call = step.call && this.#send(step.call);
    if (request.signal.aborted) return;
    if (step.say.length > 0) yield { type: 'text', text: step.say.join(' ') };
    if (call && !request.signal.aborted) yield { type: 'tool_call', call };
  }

  /** The step for the newest message: the caller's turn, or the result of the call waited for. */
  #next(messages: readonly ChatMessage[], ctx: StepContext): Step | undefined {
    const last = messages[messages.length - 1];
    if (last?.role === 'user') {
      // A call still pending when the caller speaks was never answered (the reply was interrupted).
      this.#pending = undefined;
      return userTurn(this.#state, last.content, ctx);
    }
    if (last?.role !== 'tool' || !this.#pending) return undefined;
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i]!;
      if (message.role !== 'tool') break;
      if (message.tool_call_id === this.#pending.id) {
        const { purpose } = this.#pending;
        this.#pending = undefined;
        return functionResult(this.#state, purpose, parseResult(message.content), ctx);
      }
    }
    return undefined;
  }

  #send({ name, args, purpose }: NonNullable<Step['call']>): ToolCall {
    const id = `call_${randomUUID()}`;
    this.#pending = { id, purpose };
    return { id, name, arguments: JSON.stringify(args) };
  }
}

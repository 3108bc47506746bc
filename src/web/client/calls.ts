// What the dashboard knows about each call, built from two sources: the store's records (GET /api/calls,
// /api/calls/:callSid) and the live feed (GET /api/live). A call seen from its call_started event on
// the live feed is complete without the store; any other call's details are fetched when opened.
import type { CallEvent, CallInfo, CallSummary, FunctionCallRecord, StaffMessage, TranscriptTurn, TurnLatency } from '../../domain/call.js';
import type { CallDetail, CallEventRecord, CallRecord } from '../../store/types.js';

export interface CallView {
  info: CallInfo;
  endedAt: number | null;
  outcome: string | null;
  summary: Omit<CallSummary, 'outcome' | 'reason'> | null;
  transcript: TranscriptTurn[];
  functionCalls: FunctionCallRecord[];
  events: CallEventRecord[];
  latencies: TurnLatency[];
  /** What the caller asked to pass on to staff (after an unanswered transfer). */
  messages: StaffMessage[];
  /** Transcript, function calls and events are all here: from the live feed or a fetched detail. */
  complete: boolean;
}

export class Calls {
  readonly #calls = new Map<string, CallView>();

  get(callSid: string): CallView | undefined {
    return this.#calls.get(callSid);
  }

  /** Newest first. */
  list(): CallView[] {
    return [...this.#calls.values()].sort((a, b) => b.info.startedAt - a.info.startedAt);
  }

  /**
   * After the live feed was cut, calls it showed in progress may have ended unseen: forget them. The
   * feed's replay brings back those still in progress, the list the rest.
   */
  forgetCallsInProgress(): void {
    for (const [callSid, view] of this.#calls) if (view.endedAt === null) this.#calls.delete(callSid);
  }

  /** A record from the list: metadata only, unless the call is already known in full. */
  addRecord(record: CallRecord): void {
    const known = this.#calls.get(record.callSid);
    if (known?.complete) return;
    this.#calls.set(record.callSid, {
      info: record,
      endedAt: record.endedAt,
      outcome: record.outcome,
      summary: record.summary,
      transcript: [],
      functionCalls: [],
      events: [],
      latencies: [],
      messages: [],
      complete: false,
    });
  }

  addDetail(detail: CallDetail): CallView {
    const known = this.#calls.get(detail.callSid);
    // The live feed is ahead of the store (which writes in batches): keep what it built.
    if (known?.complete && known.endedAt === null) return known;
    const view: CallView = {
      info: detail,
      endedAt: detail.endedAt,
      outcome: detail.outcome,
      summary: detail.summary,
      transcript: detail.transcript,
      functionCalls: detail.functionCalls,
      events: detail.events,
      latencies: detail.latencies,
      messages: detail.messages,
      complete: true,
    };
    this.#calls.set(detail.callSid, view);
    return view;
  }

  /** Applies a live event; returns the call it changed (undefined for a call that started before the feed). */
  apply(event: CallEvent): CallView | undefined {
    if (event.type === 'call_started') {
      // A call back from an unanswered transfer starts again under the same CallSid: its conversation goes on.
      const earlier = this.#calls.get(event.call.callSid);
      const kept = earlier?.complete ? earlier : undefined;
      const view: CallView = {
        info: event.call,
        endedAt: null,
        outcome: null,
        summary: null,
        transcript: kept?.transcript ?? [],
        functionCalls: kept?.functionCalls ?? [],
        events: kept?.events ?? [],
        latencies: kept?.latencies ?? [],
        messages: kept?.messages ?? [],
        complete: true,
      };
      this.#calls.set(event.call.callSid, view);
      return view;
    }
    const view = this.#calls.get(event.callSid);
    if (!view?.complete) return undefined;
    switch (event.type) {
      case 'turn':
        view.transcript.push(event.turn);
        break;
      case 'function_call':
        view.functionCalls.push(event.call);
        break;
      case 'latency':
        view.latencies.push(event.latency);
        break;
      case 'event':
        view.events.push({ kind: event.kind, detail: event.detail, at: event.at });
        break;
      case 'staff_message':
        view.messages.push(event.message);
        break;
      case 'call_ended': {
        const { outcome, reason: _reason, ...counters } = event.summary;
        view.endedAt = event.endedAt;
        view.outcome = outcome;
        view.summary = counters;
        break;
      }
    }
    return view;
  }
}

export type TimelineItem =
  | { kind: 'turn'; at: number; turn: TranscriptTurn }
  | { kind: 'function_call'; at: number; call: FunctionCallRecord }
  | { kind: 'event'; at: number; event: CallEventRecord }
  | { kind: 'message'; at: number; message: StaffMessage };

/**
 * The conversation in order: turns, function calls and notable events. Barge-ins are left out: the
 * interrupted turn itself says what the caller heard.
 */
export function timeline(view: CallView): TimelineItem[] {
  const items: TimelineItem[] = [
    ...view.transcript.map((turn): TimelineItem => ({ kind: 'turn', at: turn.startedAt, turn })),
    ...view.functionCalls.map((call): TimelineItem => ({ kind: 'function_call', at: call.startedAt, call })),
    ...view.events.filter((e) => e.kind !== 'barge_in').map((event): TimelineItem => ({ kind: 'event', at: event.at, event })),
    ...view.messages.map((message): TimelineItem => ({ kind: 'message', at: message.createdAt, message })),
  ];
  // Stable: items at the same instant keep the order they were recorded in.
  return items.sort((a, b) => a.at - b.at);
}

// The post-call report: one JSON document per ended call, built from the store's record of the call
// (what was written with its end), so it says exactly what the records say.
import type { FunctionCallRecord, TurnLatency } from '../domain/call.js';
import type { ClinicFunctionName } from '../domain/clinic-functions.js';
import type { CallDetail, WebhookDelivery } from '../store/types.js';

/** The functions whose results are appointments made, moved or cancelled. */
const BOOKING_FUNCTIONS: ReadonlySet<string> = new Set<ClinicFunctionName>(['book_appointment', 'reschedule_appointment', 'cancel_appointment']);

/** Calls records do not name a carrier yet: every call so far came through Twilio's Media Streams. */
const CARRIER = 'twilio';

export interface LatencySummary {
  p50: number;
  p95: number;
  max: number;
}

export interface AppointmentChange {
  action: 'booked' | 'rescheduled' | 'cancelled';
  appointment: Record<string, unknown>;
}

export interface CallReport {
  event: string;
  idempotencyKey: string;
  call: {
    sid: string;
    carrier: string;
    from: string;
    to: string;
    direction: string;
    agent: string;
    startedAt: string;
    endedAt: string | null;
    durationMs: number | null;
    outcome: string | null;
    reason: string | null;
  };
  summary: { text: string; source: 'llm' | 'composed' };
  transcript: Array<{ role: string; text: string; startedAt: string; interrupted: boolean; heardText?: string }>;
  interruptions: number;
  functionCalls: Array<{ name: string; arguments: unknown; result: unknown; ok: boolean; startedAt: string; durationMs: number }>;
  appointments: AppointmentChange[];
  latency: {
    turns: number;
    responseMs: LatencySummary | null;
    agentTotalMs: LatencySummary | null;
    agentTtsMs: LatencySummary | null;
    agentTttMs: LatencySummary | null;
  };
}

/** How a call's summary is written: by a model, else composed from the record (composedSummary). */
export type CallSummarizer = (call: CallDetail) => Promise<string>;

export function buildCallReport(delivery: Pick<WebhookDelivery, 'event' | 'idempotencyKey'>, call: CallDetail, summary: CallReport['summary']): CallReport {
  return {
    event: delivery.event,
    idempotencyKey: delivery.idempotencyKey,
    call: {
      sid: call.callSid,
      carrier: CARRIER,
      from: call.from,
      to: call.to,
      direction: call.direction,
      agent: call.agent,
      startedAt: iso(call.startedAt),
      endedAt: call.endedAt === null ? null : iso(call.endedAt),
      durationMs: call.summary?.durationMs ?? null,
      outcome: call.outcome,
      reason: call.reason,
    },
    summary,
    transcript: call.transcript.map((t) => ({
      role: t.role,
      text: t.text,
      startedAt: iso(t.startedAt),
      interrupted: t.interrupted,
      ...(t.heardText === undefined ? {} : { heardText: t.heardText }),
    })),
    interruptions: call.transcript.filter((t) => t.interrupted).length,
    functionCalls: call.functionCalls.map((f) => ({
      name: f.name,
      arguments: parsed(f.arguments),
      result: parsed(f.result),
      ok: f.ok,
      startedAt: iso(f.startedAt),
      durationMs: Math.round(f.durationMs * 10) / 10,
    })),
    appointments: appointmentChanges(call.functionCalls),
    latency: latencySummary(call.latencies),
  };
}

/** What the call did, in a few plain sentences, for when no model writes the summary. */
export function composedSummary(call: CallDetail): string {
  const seconds = Math.round((call.summary?.durationMs ?? 0) / 1000);
  const sentences = [
    `${call.direction === 'outbound' ? 'Outbound call to' : 'Call from'} ${call.direction === 'outbound' ? call.to : call.from || 'an unknown number'}` +
      ` (${call.agent}), ${seconds} s, ended ${(call.outcome ?? 'without an outcome').replaceAll('_', ' ')}${call.reason ? `: ${call.reason}` : ''}.`,
  ];
  for (const change of appointmentChanges(call.functionCalls)) {
    const a = change.appointment;
    sentences.push(`${capitalized(change.action)} ${String(a.patient_name ?? 'an appointment')} for ${String(a.date)} at ${String(a.time)}.`);
  }
  const asked = [...new Set(call.functionCalls.filter((f) => !BOOKING_FUNCTIONS.has(f.name)).map((f) => f.name.replaceAll('_', ' ')))];
  if (asked.length > 0) sentences.push(`Also: ${asked.join(', ')}.`);
  const failed = call.functionCalls.filter((f) => !f.ok).length;
  if (failed > 0) sentences.push(`${failed} function call${failed === 1 ? '' : 's'} refused or failed.`);
  if (call.functionCalls.length === 0) sentences.push(`${call.transcript.filter((t) => t.role === 'user').length} caller turns, no action taken.`);
  return sentences.join(' ');
}

const CHANGES: Record<string, AppointmentChange['action']> = { booked: 'booked', rescheduled: 'rescheduled', cancelled: 'cancelled' };

/** The appointments the call's functions booked, moved or cancelled, as their results describe them. */
function appointmentChanges(calls: readonly FunctionCallRecord[]): AppointmentChange[] {
  const changes: AppointmentChange[] = [];
  for (const call of calls) {
    if (!call.ok || !BOOKING_FUNCTIONS.has(call.name)) continue;
    const result = parsed(call.result);
    if (!result || typeof result !== 'object') continue;
    for (const [key, action] of Object.entries(CHANGES)) {
      const appointment = (result as Record<string, unknown>)[key];
      if (appointment && typeof appointment === 'object') changes.push({ action, appointment: appointment as Record<string, unknown> });
    }
  }
  return changes;
}

function latencySummary(latencies: readonly TurnLatency[]): CallReport['latency'] {
  const of = (pick: (l: TurnLatency) => number | undefined): LatencySummary | null => {
    const values = latencies.map(pick).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    if (values.length === 0) return null;
    const at = (q: number) => Math.round(values[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)]!);
    return { p50: at(0.5), p95: at(0.95), max: Math.round(values.at(-1)!) };
  };
  return {
    turns: latencies.length,
    responseMs: of((l) => l.responseMs),
    agentTotalMs: of((l) => l.agentTotalMs),
    agentTtsMs: of((l) => l.agentTtsMs),
    agentTttMs: of((l) => l.agentTttMs),
  };
}

function parsed(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

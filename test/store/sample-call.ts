// One whole call, as CallSession would emit it.
import type { CallEvent, CallInfo, CallOutcome } from '../../src/domain/call.js';

export interface SampleCallOptions {
  callSid: string;
  startedAt: number;
  from?: string;
  to?: string;
  direction?: CallInfo['direction'];
  carrier?: string;
  outcome?: CallOutcome;
  agent?: string;
}

export function sampleCall(o: SampleCallOptions): CallEvent[] {
  const t = o.startedAt;
  const callSid = o.callSid;
  return [
    {
      type: 'call_started',
      call: {
        carrier: o.carrier ?? 'twilio',
        callSid,
        streamSid: `MZ${callSid}`,
        accountSid: 'AC123',
        from: o.from ?? '+15550001111',
        to: o.to ?? '+15559990000',
        direction: o.direction ?? 'inbound',
        startedAt: t,
        customParameters: { campaign: 'spring' },
        agent: o.agent ?? 'default',
      },
    },
    { type: 'turn', callSid, turn: { role: 'assistant', text: 'Thank you for calling.', startedAt: t + 100, endedAt: t + 2100, interrupted: false } },
    { type: 'turn', callSid, turn: { role: 'user', text: 'I need an appointment.', startedAt: t + 2500, endedAt: t + 4000, interrupted: false } },
    { type: 'latency', callSid, latency: { at: t + 4000, responseMs: 412.5, agentTotalMs: 380 } },
    {
      type: 'turn',
      callSid,
      turn: {
        role: 'assistant',
        text: 'Sure, which day works for you?',
        startedAt: t + 4400,
        endedAt: t + 5000,
        interrupted: true,
        heardText: 'Sure,',
        heardMs: 600,
      },
    },
    { type: 'event', callSid, at: t + 5000, kind: 'barge_in', detail: 'caller spoke over the agent' },
    {
      type: 'function_call',
      callSid,
      call: {
        id: 'fc-1',
        name: 'find_open_slots',
        arguments: '{"date":"2030-01-07"}',
        result: '{"slots":["09:00"]}',
        ok: true,
        startedAt: t + 6000,
        durationMs: 12.25,
      },
    },
    { type: 'latency', callSid, latency: { at: t + 7000 } },
    {
      type: 'call_ended',
      callSid,
      endedAt: t + 9000,
      summary: {
        durationMs: 9000,
        turns: 3,
        bytesIn: 72_000,
        bytesOut: 40_000,
        framesIn: 450,
        framesOut: 250,
        framesDropped: 3,
        interruptions: 1,
        functionCalls: 1,
        outcome: o.outcome ?? 'completed',
        reason: 'caller hung up',
      },
    },
  ];
}

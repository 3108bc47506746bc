// The query strings /api accepts. Unknown parameters are refused, so a misspelt filter answers 400
// instead of silently returning everything.
import { z } from 'zod';
import type { CallOutcome } from '../domain/call.js';
import { MAX_PAGE_SIZE } from '../store/types.js';

// A Record, so adding an outcome to CallOutcome fails to compile until it is listed here.
const OUTCOMES: Record<CallOutcome, true> = {
  completed: true,
  agent_hangup: true,
  transferred: true,
  agent_error: true,
  agent_unavailable: true,
  twilio_disconnected: true,
  carrier_disconnected: true,
  shutdown: true,
  rejected: true,
  idle: true,
  max_duration: true,
  voicemail: true,
  instance_lost: true,
};

const instant = z.string().transform((value, ctx) => {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isFinite(ms)) return ms;
  ctx.addIssue({ code: 'custom', message: `expected epoch milliseconds or an ISO 8601 time, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD');
const nonEmpty = z.string().min(1);
const limit = z.coerce.number().int().min(1).max(MAX_PAGE_SIZE);
/** Authentication, read by requireAdmin; allowed here so that it is not an unknown parameter. */
const token = z.string().optional();

export const CallListQuery = z
  .object({
    agent: nonEmpty.optional(),
    from: nonEmpty.optional(),
    to: nonEmpty.optional(),
    outcome: z.enum(Object.keys(OUTCOMES) as [CallOutcome, ...CallOutcome[]]).optional(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    carrier: z.string().regex(/^[a-z]{2,20}$/, 'a carrier name such as twilio').optional(),
    since: instant.optional(),
    until: instant.optional(),
    limit: limit.optional(),
    cursor: nonEmpty.optional(),
    token,
  })
  .strict();

export const AppointmentListQuery = z
  .object({
    agent: nonEmpty.optional(),
    status: z.enum(['booked', 'cancelled']).optional(),
    date: day.optional(),
    from: day.optional(),
    to: day.optional(),
    patientName: nonEmpty.optional(),
    callSid: nonEmpty.optional(),
    limit: limit.optional(),
    offset: z.coerce.number().int().min(0).optional(),
    token,
  })
  .strict();

export const WebhookListQuery = z
  .object({
    status: z.enum(['pending', 'failed']).optional(),
    limit: limit.optional(),
    token,
  })
  .strict();

export const MessageListQuery = z.object({ limit: limit.optional(), token }).strict();

/** One line a person can act on: "limit: Too big: expected number to be <=500; outcome: ...". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

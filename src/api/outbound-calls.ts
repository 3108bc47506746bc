// POST /api/calls (admin): an outbound call through one of the carriers' Dialers.
// { to, carrier?, voicemail?: { message? } }. Without `carrier`, the first dialer that is configured
// places the call; when none is, the first dialer (Twilio's) answers 503 with what it still needs.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PhoneNumber } from '../config/env.js';
import type { Dialer } from '../domain/dialer.js';
import { errorMessage } from '../observability/error-message.js';
import { requireAdmin } from './auth.js';

function outboundCall(carriers: [string, ...string[]]) {
  return z
    .object({
      to: PhoneNumber,
      carrier: z.enum(carriers).optional(),
      voicemail: z.object({ message: z.string().trim().min(1).max(1000).optional() }).strict().optional(),
    })
    .strict();
}

export interface OutboundCallRoutesOptions {
  /** In order of preference; the first is the one whose needs a 503 names when none is configured. */
  dialers: Dialer[];
  adminToken: string | undefined;
}

export function outboundCallRoutes({ dialers, adminToken }: OutboundCallRoutesOptions) {
  const [first, ...rest] = dialers;
  if (!first) throw new Error('outbound calls need at least one dialer');
  const OutboundCall = outboundCall([first.carrier, ...rest.map((d) => d.carrier)]);
  return (app: FastifyInstance): void => {
    app.post('/api/calls', { preHandler: requireAdmin(adminToken) }, async (request, reply) => {
      const parsed = OutboundCall.safeParse(request.body ?? {});
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
        return reply.code(400).send({ error: 'Bad Request', message });
      }
      const { carrier, ...call } = parsed.data;
      const dialer = carrier ? dialers.find((d) => d.carrier === carrier)! : (dialers.find((d) => !d.missing()) ?? first);
      const missing = dialer.missing();
      if (missing) return reply.code(503).send({ error: 'Service Unavailable', message: `outbound calls need ${missing}` });
      if (call.voicemail && !dialer.detectsVoicemail) {
        return reply.code(400).send({ error: 'Bad Request', message: `voicemail detection is not available on ${dialer.carrier}` });
      }
      try {
        return reply.code(201).send(await dialer.place(call));
      } catch (err) {
        request.log.warn({ err: errorMessage(err), carrier: dialer.carrier }, `${dialer.name} refused an outbound call`);
        return reply.code(502).send({ error: 'Bad Gateway', message: `${dialer.name} refused the call: ${errorMessage(err)}` });
      }
    });
  };
}

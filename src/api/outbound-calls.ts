// POST /api/calls (admin): an outbound call through the carrier's Dialer. { to, voicemail?: { message? } }.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PhoneNumber } from '../config/env.js';
import type { Dialer } from '../domain/dialer.js';
import { errorMessage } from '../observability/error-message.js';
import { requireAdmin } from './auth.js';

const OutboundCall = z
  .object({
    to: PhoneNumber,
    voicemail: z.object({ message: z.string().trim().min(1).max(1000).optional() }).strict().optional(),
  })
  .strict();

export function outboundCallRoutes({ dialer, adminToken }: { dialer: Dialer; adminToken: string | undefined }) {
  return (app: FastifyInstance): void => {
    app.post('/api/calls', { preHandler: requireAdmin(adminToken) }, async (request, reply) => {
      const missing = dialer.missing();
      if (missing) return reply.code(503).send({ error: 'Service Unavailable', message: `outbound calls need ${missing}` });
      const parsed = OutboundCall.safeParse(request.body ?? {});
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
        return reply.code(400).send({ error: 'Bad Request', message });
      }
      try {
        return reply.code(201).send(await dialer.place(parsed.data));
      } catch (err) {
        request.log.warn({ err: errorMessage(err) }, `${dialer.name} refused an outbound call`);
        return reply.code(502).send({ error: 'Bad Gateway', message: `${dialer.name} refused the call: ${errorMessage(err)}` });
      }
    });
  };
}

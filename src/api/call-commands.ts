// Call control from any instance (admin): POST /api/calls/:callSid/hangup and
// POST /api/calls/:callSid/transfer { to? }, acted on here when the call is here, else routed to the
// instance holding it; GET /api/instances, every live instance of the service.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PhoneNumber } from '../config/env.js';
import type { LiveCalls } from '../domain/live-calls.js';
import type { CallCommand, CommandResult, SharedState } from '../domain/shared-state.js';
import { errorMessage } from '../observability/error-message.js';
import { requireAdmin } from './auth.js';

const TransferBody = z.object({ to: PhoneNumber.optional() }).strict();

const STATUS_TEXT = { 404: 'Not Found', 409: 'Conflict', 502: 'Bad Gateway', 504: 'Gateway Timeout' } as const;

export interface CallCommandRoutesOptions {
  calls: LiveCalls;
  shared: Pick<SharedState, 'command' | 'instances'>;
  /** This instance's id, named in every answer. */
  instanceId: () => string;
  adminToken: string | undefined;
}

export function callCommandRoutes({ calls, shared, instanceId, adminToken }: CallCommandRoutesOptions) {
  const run = async (callSid: string, command: CallCommand): Promise<CommandResult> =>
    calls.get(callSid) ? calls.execute(callSid, command, instanceId()) : shared.command(callSid, command);

  return (app: FastifyInstance): void => {
    const preHandler = requireAdmin(adminToken);

    app.post<{ Params: { callSid: string } }>('/api/calls/:callSid/hangup', { preHandler }, async (request, reply) =>
      answer(reply, request.params.callSid, await run(request.params.callSid, { action: 'hangup' })),
    );

    app.post<{ Params: { callSid: string } }>('/api/calls/:callSid/transfer', { preHandler }, async (request, reply) => {
      const parsed = TransferBody.safeParse(request.body ?? {});
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
        return reply.code(400).send({ error: 'Bad Request', message });
      }
      return answer(reply, request.params.callSid, await run(request.params.callSid, { action: 'transfer', to: parsed.data.to }));
    });

    app.get('/api/instances', { preHandler }, async (request, reply) => {
      try {
        return { instances: await shared.instances() };
      } catch (err) {
        request.log.warn({ err: errorMessage(err) }, 'the instance registry is unreachable');
        return reply.code(502).send({ error: 'Bad Gateway', message: `the instance registry is unreachable: ${errorMessage(err)}` });
      }
    });
  };
}

function answer(reply: FastifyReply, callSid: string, result: CommandResult): FastifyReply {
  if (result.ok) return reply.code(202).send({ callSid, instance: result.instance });
  return reply.code(result.status).send({ error: STATUS_TEXT[result.status], message: result.error });
}

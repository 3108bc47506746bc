// Read-only JSON over the store: call records and appointments, behind requireAdmin.
// Register at the root: app.register(apiRoutes, { store, adminToken }).
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { InvalidCursorError, type Store } from '../store/types.js';
import { requireAdmin } from './auth.js';
import { AppointmentListQuery, CallListQuery, MessageListQuery, WebhookListQuery, describeIssues } from './query.js';

export interface ApiOptions {
  store: Pick<Store, 'listCalls' | 'getCall' | 'listAppointments' | 'listWebhooks' | 'retryWebhook' | 'listStaffMessages'>;
  /** ADMIN_TOKEN; unset means loopback clients only. */
  adminToken: string | undefined;
  /** The agents that answer calls (GET /api/agents): each with its numbers, clinic and greeting. */
  agents?: () => readonly object[];
}

export const apiRoutes: FastifyPluginAsync<ApiOptions> = async (app, { store, adminToken, agents }) => {
  app.addHook('preHandler', requireAdmin(adminToken));

  app.get('/api/agents', async () => ({ agents: agents?.() ?? [] }));

  app.get('/api/calls', async (request, reply) => {
    const parsed = CallListQuery.safeParse(request.query ?? {});
    if (!parsed.success) return badRequest(reply, describeIssues(parsed.error));
    const { token: _token, ...filters } = parsed.data;
    try {
      return await store.listCalls(filters);
    } catch (err) {
      if (err instanceof InvalidCursorError) return badRequest(reply, `cursor: ${err.message}`);
      throw err;
    }
  });

  app.get<{ Params: { callSid: string } }>('/api/calls/:callSid', async (request, reply) => {
    const call = await store.getCall(request.params.callSid);
    if (!call) return reply.code(404).send({ error: 'Not Found', message: `no call ${request.params.callSid}` });
    return call;
  });

  app.get('/api/appointments', async (request, reply) => {
    const parsed = AppointmentListQuery.safeParse(request.query ?? {});
    if (!parsed.success) return badRequest(reply, describeIssues(parsed.error));
    const { token: _token, from, to, ...filters } = parsed.data;
    return { appointments: await store.listAppointments({ ...filters, fromDate: from, toDate: to }) };
  });

  // What callers asked to pass on when nobody answered a transfer, newest first.
  app.get('/api/messages', async (request, reply) => {
    const parsed = MessageListQuery.safeParse(request.query ?? {});
    if (!parsed.success) return badRequest(reply, describeIssues(parsed.error));
    return { messages: await store.listStaffMessages({ limit: parsed.data.limit }) };
  });

  // The post-call reports not delivered (yet): pending ones with their last error, and those given up on.
  app.get('/api/webhooks', async (request, reply) => {
    const parsed = WebhookListQuery.safeParse(request.query ?? {});
    if (!parsed.success) return badRequest(reply, describeIssues(parsed.error));
    const { status, limit } = parsed.data;
    const [pending, failed] = await Promise.all(
      (['pending', 'failed'] as const).map((s) => (status === undefined || status === s ? store.listWebhooks({ status: s, limit }) : Promise.resolve([]))),
    );
    return { pending, failed };
  });

  app.post<{ Params: { id: string } }>('/api/webhooks/:id/retry', async (request, reply) => {
    const id = Number(request.params.id);
    if (!Number.isInteger(id) || !(await store.retryWebhook(id, Date.now()))) {
      return reply.code(404).send({ error: 'Not Found', message: `no failed delivery ${request.params.id}` });
    }
    return { retrying: id };
  });
};

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: 'Bad Request', message });
}

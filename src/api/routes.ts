// Read-only JSON over the store: call records and appointments, behind requireAdmin.
// Register at the root: app.register(apiRoutes, { store, adminToken }).
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { InvalidCursorError, type Store } from '../store/types.js';
import { requireAdmin } from './auth.js';
import { AppointmentListQuery, CallListQuery, describeIssues } from './query.js';

export interface ApiOptions {
  store: Pick<Store, 'listCalls' | 'getCall' | 'listAppointments'>;
  /** ADMIN_TOKEN; unset means loopback clients only. */
  adminToken: string | undefined;
}

export const apiRoutes: FastifyPluginAsync<ApiOptions> = async (app, { store, adminToken }) => {
  app.addHook('preHandler', requireAdmin(adminToken));

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
};

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: 'Bad Request', message });
}

// The dashboard: GET / (the page, behind the admin guard, with a sign-in form when a token is needed),
// GET /assets/* (its stylesheet and the browser modules compiled by tsconfig.web.json) and
// GET /api/live (call events as server-sent events). Call records come from the API's /api/calls.
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { requireAdmin } from '../api/auth.js';
import type { CallEvent } from '../domain/call.js';
import type { Logger } from '../observability/log.js';
import { LiveFeed, type LiveFeedLimits } from './live-feed.js';

export interface DashboardOptions {
  events: { subscribe(fn: (event: CallEvent) => void): () => void };
  /** The other instances' calls in progress so far (REDIS_URL), replayed to a dashboard as it opens. */
  elsewhere?: () => Promise<CallEvent[][]>;
  /** ADMIN_TOKEN; unset means loopback clients only. */
  adminToken: string | undefined;
  logger: Logger;
  liveFeed?: Partial<LiveFeedLimits>;
}

// This module runs from dist/src/web/; the page's files are in the source tree and the browser build.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PAGES_DIR = join(ROOT, 'src', 'web', 'public');
const SCRIPTS_DIR = join(ROOT, 'dist', 'web');

/** The page runs only its own scripts and styles, talks only to this server, and is never framed. */
const PAGE_POLICY = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  const guard = requireAdmin(options.adminToken);
  const feed = new LiveFeed(options.events, options.logger, options.liveFeed);
  app.addHook('preClose', async () => feed.close());

  app.get('/', { preHandler: guard, onSend: signInInsteadOfRefusal }, async (request, reply) => {
    // A token given in the address (the sign-in form, a bookmarked link) becomes a cookie, and the
    // address loses it, so it does not linger in the history or get copied along with the page.
    const token = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof token === 'string') {
      const secure = request.protocol === 'https' ? '; Secure' : '';
      return reply
        .header('set-cookie', `token=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure}`)
        .redirect('/', 303);
    }
    reply.header('content-security-policy', PAGE_POLICY);
    return sendFile(reply, PAGES_DIR, 'index.html');
  });

  app.get<{ Params: { '*': string } }>('/assets/*', async (request, reply) => {
    const path = request.params['*'];
    return sendFile(reply, extname(path) === '.js' ? SCRIPTS_DIR : PAGES_DIR, path);
  });

  app.get('/api/live', { preHandler: guard }, async (request, reply) => {
    const elsewhere = (await options.elsewhere?.()) ?? [];
    reply.hijack();
    if (!feed.attach(reply.raw, elsewhere)) {
      reply.raw.writeHead(503, { 'content-type': 'application/json', 'retry-after': '10' }).end(JSON.stringify({ error: 'too many live dashboards' }));
    }
    request.raw.socket.setNoDelay(true);
  });
};

/** For a browser refused by the guard, the sign-in page (or why it may not sign in) instead of JSON. */
async function signInInsteadOfRefusal(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (reply.statusCode !== 401 && reply.statusCode !== 403) return payload;
  if (!request.headers.accept?.includes('text/html')) return payload;
  const page = reply.statusCode === 401 ? 'sign-in.html' : 'local-only.html';
  reply.type(CONTENT_TYPES['.html']!);
  return readFile(join(PAGES_DIR, page));
}

async function sendFile(reply: FastifyReply, dir: string, path: string): Promise<FastifyReply> {
  const file = resolve(dir, path);
  const type = CONTENT_TYPES[extname(file)];
  if (!file.startsWith(dir + sep) || !type) return reply.code(404).send({ error: 'Not Found' });
  try {
    const body = await readFile(file);
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  } catch {
    return reply.code(404).send({ error: 'Not Found' });
  }
}

// The whole application as `phone-agent serve` composes it (API, dashboard, store), on a loopback
// port with a throwaway database, for tests that use the dashboard from a browser or over HTTP.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/config/env.js';
import { startApp, type App } from '../../src/app.js';

export interface DashboardApp {
  app: App;
  url: string;
  close(): Promise<void>;
}

export async function startDashboardApp(env: Record<string, string> = {}): Promise<DashboardApp> {
  const dir = await mkdtemp(join(tmpdir(), 'phone-agent-web-'));
  const app = await startApp(parseEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: join(dir, 'calls.db'), ...env }));
  return {
    app,
    url: app.url,
    async close() {
      await app.shutdown(0);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// An agent per number, through a running phone-agent (a real store, the clinic's functions, a scripted V1
// agent standing in for the model): each number's call gets its own agent's Settings and books into its
// own clinic's calendar; a reload (in process, and SIGHUP to `phone-agent serve`) takes a valid change
// for new calls only and refuses an invalid one, keeping the set in use.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEnv } from '../../src/config/env.js';
import { startApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/observability/log.js';
import { SimulatedCall } from '../../src/simulate/twilio-caller.js';
import { ScriptedAgent, type AgentConnection } from '../helpers/scripted-agent.js';
import { startServeProcess } from '../helpers/serve-process.js';
import { definition, NORTH_NUMBER, SOUTH_NUMBER, writeDefinition, writeTwoClinics } from './agents-dir.js';

/** A weekday two weeks or more ahead, inside every clinic's booking window. */
function openWeekday(): string {
  const day = new Date(Date.now() + 14 * 86_400_000);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

const greetingOf = (conn: AgentConnection) => (conn.settings as { agent: { greeting?: string } }).agent.greeting;

async function functionResult(conn: AgentConnection, id: string, name: string, args: object): Promise<Record<string, unknown>> {
  conn.send({ type: 'FunctionCallRequest', functions: [{ id, name, arguments: JSON.stringify(args), client_side: true }] });
  const response = await conn.waitFor((m) => m.type === 'FunctionCallResponse' && m.id === id);
  return JSON.parse(String(response.content)) as Record<string, unknown>;
}

describe('an agent per number', () => {
  let dir: string;
  let agentsDir: string;
  let agent: ScriptedAgent;
  let app: App;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pa-per-number-'));
    agentsDir = join(dir, 'agents');
    mkdirSync(agentsDir);
    writeTwoClinics(agentsDir);
    agent = await ScriptedAgent.start();
    const database = join(dir, 'calls.db');
    const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database, AGENT_URL: agent.url, AGENTS_DIR: agentsDir, LOG_LEVEL: 'silent' });
    app = await startApp(env, { logger: silentLogger });
  });
  after(async () => {
    await app.shutdown(0);
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(to: string): Promise<{ call: SimulatedCall; conn: AgentConnection }> {
    const index = agent.connections.length;
    const simulated = await SimulatedCall.connect({ url: `${app.url.replace('http', 'ws')}/media-stream`, from: '+15550001111', to });
    const conn = await agent.connection(index);
    await conn.waitFor((m) => m.type === 'Settings');
    return { call: simulated, conn };
  }

  it('greets each number’s callers as its own clinic and books into that clinic’s calendar', async () => {
    const slot = { date: openWeekday(), time: '10:00' };
    const booking = { patient_name: 'Jane Roe', date_of_birth: '1970-01-02', ...slot };
    const results: Record<string, Record<string, unknown>> = {};
    const numbers = [[NORTH_NUMBER, 'North Clinic'], [SOUTH_NUMBER, 'South Clinic'], ['+15550100999', 'Maple Street Family Medicine']] as const;
    for (const [to, name] of numbers) {
      const { call: c, conn } = await call(to);
      const seedGreeting = 'Thank you for calling Maple Street Family Medicine. How can I help you today?';
      assert.equal(greetingOf(conn), to === '+15550100999' ? seedGreeting : `Thank you for calling ${name}.`);
      const info = (await functionResult(conn, 'info', 'get_office_info', { topic: 'address' })) as { address?: string };
      assert.equal(info.address, to === '+15550100999' ? '1420 Maple Street, Suite 200, Springfield, IL 62704' : `1 ${name} Road`);
      // The same slot in every clinic: each has its own calendar.
      results[to] = await functionResult(conn, 'book', 'book_appointment', booking);
      c.hangUp();
      await c.closed();
    }
    assert.ok(Object.values(results).every((r) => 'booked' in r), JSON.stringify(results));

    const { call: again, conn } = await call(NORTH_NUMBER);
    const taken = await functionResult(conn, 'again', 'book_appointment', { ...booking, patient_name: 'Joe Bloggs' });
    assert.match(String(taken.error), /already taken/, 'the North calendar has the slot booked');
    again.hangUp();

    const appointments = await app.store.listAppointments({ date: slot.date });
    assert.deepEqual(appointments.map((a) => [a.agent, a.patientName, a.time]).sort(), [
      ['default', 'Jane Roe', '10:00'],
      ['north', 'Jane Roe', '10:00'],
      ['south', 'Jane Roe', '10:00'],
    ]);
    // Records are written in batches, off the calls' path.
    let calls = (await app.store.listCalls()).calls;
    while (calls.length < 4 || calls.some((c) => c.endedAt === null)) {
      await sleep(50);
      calls = (await app.store.listCalls()).calls;
    }
    assert.deepEqual(calls.map((c) => [c.to, c.agent]).reverse(), [
      [NORTH_NUMBER, 'north'],
      [SOUTH_NUMBER, 'south'],
      ['+15550100999', 'default'],
      [NORTH_NUMBER, 'north'],
    ]);
    assert.deepEqual((await app.store.listCalls({ agent: 'south' })).calls.map((c) => c.to), [SOUTH_NUMBER]);

    const listed = (await app.server.app.inject('/api/agents')).json<{ agents: Array<Record<string, unknown>> }>();
    assert.deepEqual(listed.agents.map((a) => [a.name, a.numbers, a.default, a.file, a.clinic]), [
      ['default', [], true, null, 'Maple Street Family Medicine'],
      ['north', [NORTH_NUMBER], false, 'north.json', 'North Clinic'],
      ['south', [SOUTH_NUMBER], false, 'south.json', 'South Clinic'],
    ]);
  });

  it('reloads a valid change for new calls only, and refuses an invalid one keeping the set in use', async () => {
    const { call: during, conn: duringConn } = await call(NORTH_NUMBER);
    writeDefinition(agentsDir, 'north.json', definition('North Clinic Annex', [NORTH_NUMBER]));
    assert.deepEqual(app.reloadAgents(), { ok: true, agents: ['default', 'north', 'south'] });
    // The call in progress keeps its agent: its functions still read the clinic it started with.
    const before = (await functionResult(duringConn, 'info', 'get_office_info', { topic: 'address' })) as { address?: string };
    assert.equal(before.address, '1 North Clinic Road');
    during.hangUp();
    const { call: after, conn } = await call(NORTH_NUMBER);
    assert.equal(greetingOf(conn), 'Thank you for calling North Clinic Annex.');
    after.hangUp();

    writeDefinition(agentsDir, 'south.json', definition('South Clinic', [NORTH_NUMBER]));
    writeDefinition(agentsDir, 'west.json', { ...definition('West Clinic', []), fax: true });
    const refused = app.reloadAgents();
    assert.equal(refused.ok, false);
    assert.match(!refused.ok ? refused.error : '', /south\.json: numbers: \+15550100001 is already answered by north\.json/);
    assert.match(!refused.ok ? refused.error : '', /west\.json: \(root\): Unrecognized key: "fax"/);
    const { call: still, conn: stillConn } = await call(SOUTH_NUMBER);
    assert.equal(greetingOf(stillConn), 'Thank you for calling South Clinic.');
    still.hangUp();
  });
});

describe('SIGHUP to phone-agent serve', () => {
  it('reloads the agents, and logs why an invalid change is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pa-sighup-'));
    writeTwoClinics(dir);
    const server = await startServeProcess({ DATABASE_URL: join(dir, 'calls.db'), AGENTS_DIR: dir });
    const agents = async () => {
      const listed = (await (await fetch(`${server.url}/api/agents`)).json()) as { agents: Array<{ name: string; clinic: string }> };
      return listed.agents.map((a) => `${a.name}:${a.clinic}`);
    };
    const logged = async (msg: string) => {
      while (!server.logs.some((l) => l.msg === msg)) await sleep(20);
      return server.logs.find((l) => l.msg === msg)!;
    };
    try {
      assert.deepEqual(await agents(), ['default:Maple Street Family Medicine', 'north:North Clinic', 'south:South Clinic']);
      writeDefinition(dir, 'east.json', definition('East Clinic', ['+15550100007']));
      server.child.kill('SIGHUP');
      assert.deepEqual((await logged('agents reloaded')).agents, ['default', 'east', 'north', 'south']);
      const reloaded = ['default:Maple Street Family Medicine', 'east:East Clinic', 'north:North Clinic', 'south:South Clinic'];
      assert.deepEqual(await agents(), reloaded);

      writeDefinition(dir, 'west.json', '{ "numbers": ');
      server.child.kill('SIGHUP');
      const refusal = await logged('agents not reloaded: the new definitions are invalid; the previous ones stay');
      assert.match(String(refusal.error), /west\.json: not valid JSON/);
      assert.deepEqual(await agents(), reloaded);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// AGENTS_DIR is checked whole at startup: every problem is reported at once, naming its file and field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentsFromEnv } from '../../src/agents/definitions.js';
import { definition, NORTH_NUMBER, SOUTH_NUMBER, writeDefinition, writeTwoClinics } from './agents-dir.js';

const ENV = { AGENT_CONFIG: 'config/agent.json', CLINIC_CONFIG: 'config/clinic.json', TRANSFER_NUMBER: undefined };

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'pa-agents-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('agent definitions', () => {
  it('reads each file as an agent named after it, with the seed agent answering the other numbers', () =>
    withDir((dir) => {
      writeTwoClinics(dir);
      const set = loadAgentsFromEnv({ ...ENV, AGENTS_DIR: dir });
      assert.deepEqual(
        set.agents.map((a) => [a.name, a.numbers, a.clinic.name, a.file, a.transferNumber]),
        [
          ['default', [], 'Maple Street Family Medicine', undefined, undefined],
          ['north', [NORTH_NUMBER], 'North Clinic', 'north.json', '+15550109999'],
          ['south', [SOUTH_NUMBER], 'South Clinic', 'south.json', '+15550109999'],
        ],
      );
      assert.equal(set.fallback.name, 'default');
    }));

  it('lets one file be the default instead, and reads settings and clinic from paths relative to it', () =>
    withDir((dir) => {
      mkdirSync(join(dir, 'clinics'));
      writeFileSync(join(dir, 'clinics', 'front.json'), JSON.stringify(definition('Front Desk', []).clinic));
      const settings = join(process.cwd(), 'config/agent.json');
      writeDefinition(dir, 'main.json', { name: 'front-desk', default: true, settings, clinic: 'clinics/front.json' });
      const set = loadAgentsFromEnv({ ...ENV, AGENTS_DIR: dir });
      assert.deepEqual(set.agents.map((a) => a.name), ['front-desk']);
      assert.equal(set.fallback.name, 'front-desk');
      assert.equal(set.fallback.clinic.name, 'Front Desk');
      writeDefinition(dir, 'main.json', { default: true, settings: 'missing.json', clinic: 'clinics/front.json' });
      assert.throws(() => loadAgentsFromEnv({ ...ENV, AGENTS_DIR: dir }), /main\.json: settings \(missing\.json\): cannot read .*ENOENT/);
    }));

  it('reports every problem with its file and field', () =>
    withDir((dir) => {
      const hot = definition('Hot Clinic', ['+15550100003']);
      (hot.settings as { agent: { think: { provider: { temperature: number } } } }).agent.think.provider.temperature = 7;
      writeDefinition(dir, 'hot.json', hot);
      const closed = definition('Closed Clinic', ['5550100004']);
      (closed.clinic as { hours: Record<string, unknown> }).hours.monday = { open: '17:00', close: '08:00' };
      writeDefinition(dir, 'closed.json', { ...closed, color: 'blue' });
      writeDefinition(dir, 'north.json', definition('North Clinic', [NORTH_NUMBER]));
      writeDefinition(dir, 'twin.json', definition('Twin Clinic', [NORTH_NUMBER], { default: true }));
      writeDefinition(dir, 'other.json', definition('Other Clinic', [], { default: true }));
      writeDefinition(dir, 'broken.json', '{ "numbers": [');
      const tiny = definition('Tiny Slots Clinic', []);
      writeDefinition(dir, 'tiny.json', { ...tiny, clinic: { ...(tiny.clinic as object), slotMinutes: 1 } });
      let message = '';
      try {
        loadAgentsFromEnv({ ...ENV, AGENTS_DIR: dir });
      } catch (err) {
        message = (err as Error).message;
      }
      assert.match(message, /^AGENTS_DIR .* is not valid:/);
      assert.match(message, /broken\.json: not valid JSON/);
      assert.match(message, /closed\.json: \(root\): Unrecognized key: "color"/);
      assert.match(message, /closed\.json: numbers\.0: must be an E\.164 phone number/);
      assert.match(message, /hot\.json: settings is not a valid Voice Agent V1 Settings message:\n\s+agent\.think\.provider\.temperature: Too big/);
      assert.match(message, /tiny\.json: clinic is not a valid clinic config:\n\s+slotMinutes: Too small/);
      assert.match(message, /twin\.json: numbers: \+15550100001 is already answered by north\.json/);
      assert.match(message, /other\.json, twin\.json: default: only one agent may be the default/);
    }));

  it('refuses an empty folder and one that does not exist', () =>
    withDir((dir) => {
      assert.throws(() => loadAgentsFromEnv({ ...ENV, AGENTS_DIR: dir }), /AGENTS_DIR: .* holds no agent definitions/);
      assert.throws(() => loadAgentsFromEnv({ ...ENV, AGENTS_DIR: join(dir, 'nope') }), /AGENTS_DIR: cannot read .*nope: ENOENT/);
    }));
});

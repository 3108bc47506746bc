import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseEnv, ConfigError } from '../../src/config/env.js';
import { engineOptions, engineThinkOptions, parseEngineEnv } from '../../src/engine-env.js';
import { availableParallelism } from 'node:os';
import { loadAgentSettings, validateAgentSettings } from '../../src/agent/settings-file.js';

const seed = JSON.parse(readFileSync('config/agent.json', 'utf8'));

test('the shipped config/agent.json is the seed agent', () => {
  const s = loadAgentSettings('config/agent.json');
  assert.deepEqual(s.audio, { input: { encoding: 'mulaw', sample_rate: 8000 }, output: { encoding: 'mulaw', sample_rate: 8000, container: 'none' } });
  assert.ok(!Array.isArray(s.agent.think));
  const think = s.agent.think as Exclude<typeof s.agent.think, unknown[]>;
  assert.deepEqual(think.provider, { type: 'open_ai', model: 'gpt-4o-mini', temperature: 0.7 });
  assert.equal((s.agent.listen?.provider as { model?: string }).model, 'nova-3');
  assert.ok(s.agent.greeting);
});

test('a typo in the agent config names the field and says why', () => {
  const typo = structuredClone(seed);
  typo.agent.greetng = typo.agent.greeting;
  assert.throws(
    () => validateAgentSettings(typo, 'config/agent.json'),
    (err: Error) => err instanceof ConfigError && /agent: Unrecognized key: "greetng"/.test(err.message),
  );
  const bad = structuredClone(seed);
  bad.agent.think.provider.temperature = 7;
  assert.throws(() => validateAgentSettings(bad), /agent\.think.*temperature|think\.provider\.temperature/);
});

test('audio formats Twilio cannot carry are refused with the reason', () => {
  const pcm = structuredClone(seed);
  pcm.audio.output = { encoding: 'linear16', sample_rate: 24000, container: 'wav' };
  assert.throws(
    () => validateAgentSettings(pcm),
    (err: Error) =>
      /audio\.output\.encoding: must be "mulaw"/.test(err.message) &&
      /audio\.output\.sample_rate: must be 8000/.test(err.message) &&
      /audio\.output\.container: must be "none"/.test(err.message),
  );
});

test('environment variables are validated with the variable named', () => {
  assert.equal(parseEnv({}).PORT, 5000);
  assert.equal(parseEnv({}).INBOUND_CHUNK_MS, 20);
  assert.throws(() => parseEnv({ PORT: 'eighty' }), /PORT/);
  assert.throws(() => parseEnv({ INBOUND_CHUNK_MS: '30' }), /INBOUND_CHUNK_MS: must be a multiple of 20/);
  assert.throws(() => parseEnv({ AGENT_URL: 'http://x' }), /AGENT_URL: must be a ws:\/\/ or wss:\/\/ URL/);
  assert.equal(parseEnv({ PUBLIC_URL: 'https://a.example.com/' }).PUBLIC_URL, 'https://a.example.com');
  assert.equal(parseEnv({ DEEPGRAM_API_KEY: '  ' }).DEEPGRAM_API_KEY, undefined);
  assert.equal(parseEnv({}).WORKERS, 1);
  assert.equal(parseEnv({ WORKERS: '3' }).WORKERS, 3);
  assert.equal(parseEnv({ WORKERS: 'auto' }).WORKERS, availableParallelism());
  assert.throws(() => parseEnv({ WORKERS: '2.5' }), /WORKERS: must be a whole number from 1 to 64, or auto/);
  assert.throws(() => parseEnv({ WORKERS: '0' }), /WORKERS/);
});

test("the engine's options come from the validated environment", () => {
  const env = parseEnv({ OPENAI_API_KEY: ' sk-1 ', OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_MODEL: '', CLINIC_TIMEZONE: 'Europe/Paris' });
  assert.deepEqual(engineThinkOptions(env, 'America/New_York'), {
    account: { apiKey: 'sk-1', baseUrl: 'http://localhost:11434/v1', model: undefined },
    dialog: { timeZone: 'Europe/Paris' },
  });
  assert.equal(engineThinkOptions(parseEnv({}), 'America/New_York').dialog?.timeZone, 'America/New_York', "the clinic's zone when CLINIC_TIMEZONE is unset");
});

test('NOISE_SUPPRESSION turns the engine\'s RNNoise on or off; anything else is refused by name', () => {
  assert.equal(engineOptions(parseEngineEnv({})).noiseSuppression, true, 'on unless turned off (it lowers the word error rate in noise)');
  assert.equal(engineOptions(parseEngineEnv({ NOISE_SUPPRESSION: 'off' })).noiseSuppression, false);
  assert.equal(engineOptions(parseEngineEnv({ NOISE_SUPPRESSION: ' on ' })).noiseSuppression, true);
  assert.equal(parseEnv({ NOISE_SUPPRESSION: '' }).NOISE_SUPPRESSION, 'on', 'empty, as in a .env template, is unset');
  for (const bad of ['yes', 'true', 'ON', '1']) {
    assert.throws(
      () => parseEnv({ NOISE_SUPPRESSION: bad }),
      (e: unknown) => e instanceof ConfigError && /NOISE_SUPPRESSION: must be on or off/.test(e.message),
      bad,
    );
  }
  assert.throws(() => parseEngineEnv({ NOISE_SUPPRESSION: 'maybe' }), /NOISE_SUPPRESSION: must be on or off/, 'the engine run alone reads it too');
});

test('the engine run alone checks only the variables it reads', () => {
  assert.equal(parseEngineEnv({ PORT: 'eighty', OPENAI_MODEL: 'llama3.2' }).OPENAI_MODEL, 'llama3.2');
  assert.throws(() => parseEngineEnv({ LOG_LEVEL: 'loud' }), (e: unknown) => e instanceof ConfigError && /LOG_LEVEL/.test(e.message));
});

test('an error inside a union field (think: one provider or a list) names the inner field', () => {
  const bad = structuredClone(seed);
  bad.agent.think.provider.temperature = 7;
  assert.throws(() => validateAgentSettings(bad), (err: Error) => /agent\.think\.provider\.temperature: Too big/.test(err.message));
});

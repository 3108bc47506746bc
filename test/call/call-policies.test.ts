// The call policies on the call's clock: a silent caller is prompted and, after the prompts go
// unanswered, told goodbye and hung up on (outcome idle); a caller who answers resets the prompts;
// a running function is not silence; a call closes politely before its time limit and ends at it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { startBridge, randomBytes, sleep, type BridgeHarness } from '../helpers/bridge-harness.js';
import { ManualClock } from '../helpers/manual-clock.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { POLICY_TEXT } from '../../src/call/call-policies.js';

const injections = (agent: AgentConnection) => agent.messages.filter((m) => m.type === 'InjectAgentMessage').map((m) => m.message);

async function injected(agent: AgentConnection, count: number): Promise<unknown[]> {
  await agent.waitFor(() => injections(agent).length >= count);
  await sleep(20);
  return injections(agent);
}

/** The agent says something: words, audio, done (the caller's side echoes its marks at once). */
function agentSays(agent: AgentConnection, text: string): void {
  agent.send({ type: 'ConversationText', role: 'assistant', content: text });
  agent.sendAudio(randomBytes(800, 5));
  agent.send({ type: 'AgentAudioDone' });
}

/** Caller audio is held until the agent's SettingsApplied: its arrival shows the agent link is up. */
async function linkReady(call: { sendFrame(frame: Buffer): void }, agent: AgentConnection): Promise<void> {
  call.sendFrame(randomBytes(160, 9));
  await agent.waitForAudioBytes(160);
}

async function policyEvents(h: BridgeHarness): Promise<string[]> {
  await sleep(20);
  return h.events.flatMap((e) => (e.type === 'event' && e.kind === 'policy' ? [e.detail] : []));
}

test('a silent caller is asked twice whether they are there, then told goodbye and hung up on: outcome idle', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = await startBridge({ clock, env: { IDLE_PROMPT_MS: '8000', IDLE_PROMPTS_BEFORE_HANGUP: '2' } });
  try {
    const { call, agent } = await h.connectedCall({ realtimePlayout: false });
    await linkReady(call, agent);
    await clock.advance(7999);
    assert.deepEqual(await injected(agent, 0), [], 'not before 8 s of silence');
    await clock.advance(1);
    assert.deepEqual(await injected(agent, 1), [POLICY_TEXT.idlePrompt]);
    agentSays(agent, POLICY_TEXT.idlePrompt);
    await h.waitForEvent('turn', (e) => e.turn.text === POLICY_TEXT.idlePrompt);
    await clock.advance(8000);
    assert.deepEqual(await injected(agent, 2), [POLICY_TEXT.idlePrompt, POLICY_TEXT.idlePrompt]);
    await clock.advance(8000);
    assert.deepEqual((await injected(agent, 3)).at(-1), POLICY_TEXT.idleGoodbye);
    agentSays(agent, POLICY_TEXT.idleGoodbye);
    await h.waitForEvent('turn', (e) => e.turn.text === POLICY_TEXT.idleGoodbye);
    await clock.advance(1500);
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'idle');
    assert.equal((await policyEvents(h)).length, 3, 'two prompts and the hang-up are on the record');
    await call.closed();
  } finally {
    await h.close();
  }
});

test('a caller who answers a prompt resets the count; the call goes on', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = await startBridge({ clock, env: { IDLE_PROMPT_MS: '8000', IDLE_PROMPTS_BEFORE_HANGUP: '1' } });
  try {
    const { call, agent } = await h.connectedCall({ realtimePlayout: false });
    await linkReady(call, agent);
    await clock.advance(8000);
    await injected(agent, 1);
    agent.send({ type: 'UserStartedSpeaking' });
    agent.send({ type: 'ConversationText', role: 'user', content: 'yes I am here' });
    await h.waitForEvent('turn', (e) => e.turn.role === 'user');
    await clock.advance(8000);
    assert.deepEqual(await injected(agent, 2), [POLICY_TEXT.idlePrompt, POLICY_TEXT.idlePrompt], 'a prompt again, not the goodbye');
    assert.ok(call.open);
    call.hangUp();
    assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'completed');
  } finally {
    await h.close();
  }
});

test('a function still running is not silence', async () => {
  let finish!: () => void;
  const functions = new FunctionRegistry([
    { name: 'slow_lookup', schema: z.object({}), run: () => new Promise<{ ok: true }>((resolve) => (finish = () => resolve({ ok: true }))) },
  ]);
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = await startBridge({ clock, functions, env: { IDLE_PROMPT_MS: '8000' } });
  try {
    const { call, agent } = await h.connectedCall({ realtimePlayout: false });
    await linkReady(call, agent);
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'f', name: 'slow_lookup', arguments: '{}', client_side: true }] });
    while (finish === undefined) await sleep(5);
    await clock.advance(30_000);
    assert.deepEqual(await injected(agent, 0), [], 'no prompt while the caller waits on a function');
    finish();
    await agent.waitFor((m) => m.type === 'FunctionCallResponse');
    await clock.advance(8000);
    assert.deepEqual(await injected(agent, 1), [POLICY_TEXT.idlePrompt], 'silence counts again once it answered');
    call.hangUp();
  } finally {
    await h.close();
  }
});

test('before its time limit the call closes politely, and ends once the goodbye was heard: outcome max_duration', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = await startBridge({ clock, env: { IDLE_PROMPT_MS: '0', MAX_CALL_DURATION_MS: '60000' } });
  try {
    const { call, agent } = await h.connectedCall({ realtimePlayout: false });
    await linkReady(call, agent);
    await clock.advance(44_999);
    assert.deepEqual(await injected(agent, 0), []);
    await clock.advance(1);
    const closing = await agent.waitFor((m) => m.type === 'InjectAgentMessage');
    const expected = { type: 'InjectAgentMessage', message: POLICY_TEXT.closing, behavior: 'queue' };
    assert.deepEqual(closing, expected, '15 s before a one-minute limit, queued behind any reply');
    agentSays(agent, POLICY_TEXT.closing);
    await h.waitForEvent('turn', (e) => e.turn.text === POLICY_TEXT.closing);
    await clock.advance(1500);
    assert.equal((await h.waitForEvent('call_ended')).summary.outcome, 'max_duration');
    await call.closed();
  } finally {
    await h.close();
  }
});

test('at its time limit the call ends, whatever is going on', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = await startBridge({ clock, env: { IDLE_PROMPT_MS: '0', MAX_CALL_DURATION_MS: '60000' } });
  try {
    const { call, agent } = await h.connectedCall();
    await linkReady(call, agent);
    agent.sendAudio(randomBytes(8000 * 30, 6)); // half a minute of audio, never confirmed played in time
    await clock.advance(59_999);
    await sleep(20);
    assert.deepEqual(h.events.filter((e) => e.type === 'call_ended'), []);
    await clock.advance(1);
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'max_duration');
    assert.match(ended.summary.reason ?? '', /time limit of 60000 ms/);
    await call.closed();
  } finally {
    await h.close();
  }
});

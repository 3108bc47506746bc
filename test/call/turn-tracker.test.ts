// The turn tracker driven through every transition of its reply phase (idle, speaking, interrupted),
// with the transcript turns, barge-ins and latencies it reports on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnTracker, heardPrefix } from '../../src/call/turn-tracker.js';
import type { Interruption } from '../../src/call/playback-ledger.js';

const T0 = Date.UTC(2026, 0, 1);
const nothingPlaying: Interruption = { sentMs: 0, heardMs: 0, hadUnplayedAudio: false, heardAudio: [] };
const cutAt = (heardMs: number, sentMs: number): Interruption => ({ sentMs, heardMs, hadUnplayedAudio: heardMs < sentMs, heardAudio: [] });

test('a whole exchange: caller turn, latency of the first reply audio, the reply heard to its end', () => {
  const turns = new TurnTracker();
  assert.equal(turns.phase, 'idle');
  assert.deepEqual(turns.callerStartedSpeaking(T0, nothingPlaying), { finished: undefined });
  assert.equal(turns.quiet, false, 'the caller is speaking');
  const user = turns.callerSaid('I need an appointment', T0 + 1500);
  assert.deepEqual(user, { role: 'user', text: 'I need an appointment', startedAt: T0, endedAt: T0 + 1500, interrupted: false });
  assert.equal(turns.quiet, true);
  turns.agentStartedSpeaking({ agentTotalMs: 300, agentTtsMs: 80, agentTttMs: 200 });
  assert.deepEqual(turns.agentSaid('Sure.', T0 + 1700), { startsTurn: true });
  const first = turns.agentAudio(T0 + 1810.4);
  assert.equal(turns.phase, 'speaking');
  assert.equal(turns.quiet, false);
  assert.deepEqual(first, { startsTurn: false, latency: { at: T0 + 1810, responseMs: 310, agentTotalMs: 300, agentTtsMs: 80, agentTttMs: 200 } });
  assert.deepEqual(turns.agentAudio(T0 + 1830), { startsTurn: false }, 'latency only for the first audio of the answer');
  assert.equal(turns.agentSaid('What day?', T0 + 1840).startsTurn, false, 'more words join the turn in progress');
  assert.equal(turns.agentAudioDone(), true);
  assert.equal(turns.phase, 'idle');
  assert.equal(turns.agentAudioDone(), false, 'a second AgentAudioDone marks nothing');
  assert.equal(turns.replyHeard(T0 + 2500, false), undefined, 'not over while audio is still to play');
  const heard = turns.replyHeard(T0 + 3000, true);
  assert.deepEqual(heard, { role: 'assistant', text: 'Sure. What day?', startedAt: T0 + 1700, endedAt: T0 + 3000, interrupted: false });
  assert.equal(turns.turns, 2);
  assert.equal(turns.interruptions, 0);
});

test('audio without words first starts an agent turn of its own, which ends silently if nothing was said', () => {
  const turns = new TurnTracker();
  assert.deepEqual(turns.agentAudio(T0), { startsTurn: true });
  turns.agentAudioDone();
  assert.equal(turns.replyHeard(T0 + 100, true), undefined, 'a turn with no text leaves no transcript line');
  assert.equal(turns.turns, 0);
});

test('barge-in over a reply being sent: the turn is cut where the caller stopped hearing, late audio is stale until the agent moves on', () => {
  const turns = new TurnTracker();
  turns.agentSaid('one two three four five six seven eight nine ten', T0);
  turns.agentAudio(T0);
  const { bargeIn, finished } = turns.callerStartedSpeaking(T0 + 500, cutAt(400, 1000));
  assert.equal(finished, undefined);
  assert.deepEqual(bargeIn, {
    heardMs: 400,
    sentMs: 1000,
    turn: {
      role: 'assistant',
      text: 'one two three four five six seven eight nine ten',
      startedAt: T0,
      endedAt: T0 + 500,
      interrupted: true,
      heardMs: 400,
      heardText: 'one two three four',
    },
  });
  assert.equal(turns.phase, 'interrupted');
  assert.equal(turns.acceptsAudio, false, 'the rest of the interrupted reply is dropped');
  assert.equal(turns.agentAudioDone(), false, 'the interrupted reply has nothing left to mark');
  turns.agentMovedOn();
  assert.equal(turns.phase, 'idle');
  assert.equal(turns.acceptsAudio, true);
  assert.equal(turns.interruptions, 1);
});

test('every sign that the agent moved on ends the stale-audio phase', () => {
  const moves: Array<[string, (t: TurnTracker) => void]> = [
    ['thinking or a function call', (t) => t.agentMovedOn()],
    ['a new reply', (t) => t.agentStartedSpeaking({})],
    ["the caller's words", (t) => t.callerSaid('hello', T0 + 10)],
    ['the connection replaced', (t) => t.agentLost(T0 + 10)],
  ];
  for (const [what, move] of moves) {
    const turns = new TurnTracker();
    turns.agentAudio(T0);
    turns.callerStartedSpeaking(T0 + 5, cutAt(5, 20));
    assert.equal(turns.phase, 'interrupted', what);
    move(turns);
    assert.equal(turns.phase, 'idle', what);
  }
});

test('the caller speaking again over stale audio ends the stale phase (as the bridge always has)', () => {
  const turns = new TurnTracker();
  turns.agentAudio(T0);
  turns.callerStartedSpeaking(T0 + 5, cutAt(5, 20));
  turns.callerStartedSpeaking(T0 + 50, nothingPlaying);
  assert.equal(turns.phase, 'idle');
});

test('audio still playing after the reply was sent: speaking over it is a barge-in; after it played, it is not', () => {
  const playing = new TurnTracker();
  playing.agentSaid('Our hours are nine to five.', T0);
  playing.agentAudio(T0);
  playing.agentAudioDone();
  const over = playing.callerStartedSpeaking(T0 + 300, cutAt(300, 2000));
  assert.equal(over.bargeIn?.turn?.interrupted, true);
  assert.equal(playing.phase, 'idle', 'nothing was being sent, so nothing is stale');

  const heard = new TurnTracker();
  heard.agentSaid('Goodbye.', T0);
  heard.agentAudio(T0);
  heard.agentAudioDone();
  const after = heard.callerStartedSpeaking(T0 + 3000, nothingPlaying);
  assert.equal(after.bargeIn, undefined);
  assert.deepEqual(after.finished, { role: 'assistant', text: 'Goodbye.', startedAt: T0, endedAt: T0 + 3000, interrupted: false });
});

test('a lost agent connection ends its turn; the call ending ends the one in progress', () => {
  const lost = new TurnTracker();
  lost.agentSaid('Let me check', T0);
  lost.agentAudio(T0);
  assert.equal(lost.agentLost(T0 + 100)?.text, 'Let me check');
  assert.equal(lost.phase, 'idle');
  const ended = new TurnTracker();
  ended.agentSaid('Bye', T0);
  assert.equal(ended.finish(T0 + 10)?.text, 'Bye');
  assert.equal(ended.finish(T0 + 20), undefined, 'only once');
});

test('a later latency report fills in only what AgentStartedSpeaking left out', () => {
  const turns = new TurnTracker();
  turns.callerSaid('hi', T0);
  turns.agentStartedSpeaking({ agentTotalMs: 250 });
  turns.agentReportedLatency({ agentTotalMs: 999, agentTtsMs: 90 });
  assert.deepEqual(turns.agentAudio(T0 + 400).latency, { at: T0 + 400, responseMs: 400, agentTotalMs: 250, agentTtsMs: 90 });
});

test('heardPrefix keeps the share of words that played, rounded, clamped', () => {
  assert.equal(heardPrefix('a b c d', 0.5), 'a b');
  assert.equal(heardPrefix('a b c d', 2), 'a b c d');
  assert.equal(heardPrefix('a b c d', -1), '');
});

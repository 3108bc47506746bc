import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlaybackLedger } from '../../src/call/playback-ledger.js';

test('an echo confirms its mark and every mark before it; unknown names change nothing', () => {
  const ledger = new PlaybackLedger({ markEveryMs: 0 });
  const a = ledger.audioSent(800, 0)!;
  const b = ledger.audioSent(800, 0)!;
  const end = ledger.replyComplete();
  assert.deepEqual(ledger.markEchoed('nope', 10), { kind: 'unknown' });
  const outcome = ledger.markEchoed(b, 200);
  assert.equal(outcome.kind, 'played');
  assert.equal(ledger.pendingMarks, 1, `${a} was confirmed by ${b}`);
  assert.deepEqual(ledger.markEchoed(end, 210), { kind: 'played', replyFinished: true, allPlayed: true, audio: [] });
});

test('marks echoed because of a clear are ignored, and the heard position comes from real echoes plus play time', () => {
  const ledger = new PlaybackLedger({ markEveryMs: 0 });
  ledger.startTurn();
  const first = ledger.audioSent(1600, 1000)!; // 200 ms
  const second = ledger.audioSent(1600, 1000)!;
  const third = ledger.audioSent(1600, 1000)!;
  ledger.markEchoed(first, 1200); // 200 ms confirmed at t=1200
  const cut = ledger.interrupt(1250); // 50 ms into the second chunk
  assert.deepEqual(cut, { sentMs: 600, heardMs: 250, hadUnplayedAudio: true, heardAudio: [] });
  // Twilio now echoes the pending marks: they must not count as played.
  assert.deepEqual(ledger.markEchoed(second, 1251), { kind: 'cleared' });
  assert.deepEqual(ledger.markEchoed(third, 1251), { kind: 'cleared' });
  // The next turn is measured from where the caller stopped hearing.
  ledger.startTurn();
  const next = ledger.audioSent(800, 2000)!;
  assert.notEqual(next, second, 'a new generation of names');
  const again = ledger.interrupt(2040);
  assert.deepEqual(again, { sentMs: 100, heardMs: 40, hadUnplayedAudio: true, heardAudio: [] });
});

test('an interruption after everything played reports no unplayed audio', () => {
  const ledger = new PlaybackLedger({ markEveryMs: 0 });
  ledger.startTurn();
  const mark = ledger.audioSent(800, 0)!;
  ledger.markEchoed(mark, 100);
  assert.deepEqual(ledger.interrupt(5000), { sentMs: 100, heardMs: 100, hadUnplayedAudio: false, heardAudio: [] });
});

test('played chunks come back in order when they were recorded', () => {
  const ledger = new PlaybackLedger({ markEveryMs: 0 });
  const one = Buffer.from([1]);
  const two = Buffer.from([2]);
  ledger.audioSent(1, 0, one);
  const m2 = ledger.audioSent(1, 0, two)!;
  const outcome = ledger.markEchoed(m2, 1);
  assert.ok(outcome.kind === 'played');
  assert.deepEqual(outcome.audio, [one, two]);
});

test('an interruption hands back the recorded audio heard since the last echo, the cut-off chunk trimmed to what played', () => {
  const ledger = new PlaybackLedger({ markEveryMs: 0 });
  ledger.startTurn();
  const chunk = (n: number) => Buffer.alloc(800, n); // 100 ms each
  const first = ledger.audioSent(800, 1000, chunk(1))!;
  ledger.audioSent(800, 1000, chunk(2));
  ledger.audioSent(800, 1000, chunk(3));
  ledger.audioSent(800, 1000, chunk(4));
  ledger.markEchoed(first, 1100); // the first 100 ms confirmed (and recorded) at t=1100
  const cut = ledger.interrupt(1225); // 125 ms later: all of chunk 2, 25 ms of chunk 3
  assert.equal(cut.heardMs, 225);
  assert.deepEqual(cut.heardAudio, [chunk(2), chunk(3).subarray(0, 200)]);
});

test('with a mark every 100 ms, chunks in between go unmarked; the mark confirms them all, and heard time still runs in between', () => {
  const ledger = new PlaybackLedger({ markEveryMs: 100 });
  ledger.startTurn();
  const marks = [1, 2, 3, 4, 5].map(() => ledger.audioSent(160, 1000)); // five 20 ms chunks at once
  assert.deepEqual(marks.slice(0, 4), [undefined, undefined, undefined, undefined]);
  assert.ok(marks[4], 'the fifth chunk completes 100 ms: a mark');
  assert.equal(ledger.audioSent(160, 1000), undefined);
  assert.equal(ledger.pendingMarks, 2, 'a mark, and audio waiting for the next one');
  const outcome = ledger.markEchoed(marks[4]!, 1100);
  assert.deepEqual(outcome, { kind: 'played', replyFinished: false, allPlayed: false, audio: [] });
  const cut = ledger.interrupt(1110);
  assert.deepEqual(cut, { sentMs: 120, heardMs: 110, hadUnplayedAudio: true, heardAudio: [] });
  assert.equal(ledger.pendingMarks, 0);
});

test('the end of a reply marks whatever was left unmarked, and a lost agent gets its last audio marked', () => {
  const ledger = new PlaybackLedger({ markEveryMs: 100 });
  const a = Buffer.alloc(160, 1);
  const b = Buffer.alloc(160, 2);
  assert.equal(ledger.audioSent(160, 0, a), undefined);
  const end = ledger.replyComplete();
  assert.deepEqual(ledger.markEchoed(end, 20), { kind: 'played', replyFinished: true, allPlayed: true, audio: [a] });
  assert.equal(ledger.markSent(), undefined, 'nothing unmarked: no mark');
  ledger.audioSent(160, 30, b);
  const last = ledger.markSent()!;

  assert.deepEqual(ledger.markEchoed(last, 50), { kind: 'played', replyFinished: false, allPlayed: true, audio: [b] });
});

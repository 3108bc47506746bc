// Nothing authenticates an AudioSocket peer, so whatever it sends is bounded: a header the protocol
// does not allow closes that connection with a logged reason (before its payload is even read), and
// neither the process nor another call on the same listener notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { randomBytes, sleep } from '../helpers/bridge-harness.js';
import { startAudioSocketBridge, received, type AudioSocketHarness } from './harness.js';
import { encodeMessage, uuidBytes } from '../../src/audiosocket/framing.js';
import type { AudioSocketCaller } from '../../src/simulate/audiosocket-caller.js';
import type { AgentConnection } from '../helpers/scripted-agent.js';

const HANGUP = [0, 0, 0];
const uuidMessage = (uuid = randomUUID()) => encodeMessage(0x01, uuidBytes(uuid)!);

/** A good call on the same listener, checked to still carry audio after the bad one is gone. */
async function bystander(h: AudioSocketHarness): Promise<{ caller: AudioSocketCaller; agent: AgentConnection; stillFine(): Promise<void> }> {
  const { caller, agent } = await h.connectedCaller();
  return {
    caller,
    agent,
    async stillFine() {
      const before = agent.audioBytes;
      caller.sendFrame(randomBytes(160, 42));
      await agent.waitForAudioBytes(before + 160);
      agent.sendAudio(randomBytes(160, 43));
      await new Promise<void>((resolve) => caller.once('media', () => resolve()));
      assert.ok(caller.open, 'the other call is still up');
      assert.deepEqual(caller.protocolErrors, []);
    },
  };
}

const beforeTheCall: Array<[string, Buffer, RegExp]> = [
  ['audio before the UUID', encodeMessage(0x10, Buffer.alloc(320)), /message kind 0x10 before the UUID/],
  ['a UUID of the wrong length', encodeMessage(0x01, Buffer.alloc(4)), /UUID message of 4 bytes/],
  ['an unknown kind', Buffer.from([0x02, 0, 0]), /unknown message kind 0x02/],
  ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /unknown message kind 0x47/],
];

for (const [what, bytes, reason] of beforeTheCall) {
  test(`${what} is refused: logged, hangup sent, connection closed, no call started`, async () => {
    const h = await startAudioSocketBridge();
    try {
      const other = await bystander(h);
      const socket = await h.rawSocket();
      const reply = received(socket);
      socket.write(bytes);
      assert.deepEqual([...(await reply)], HANGUP);
      assert.ok(h.logs.some((l) => l.msg === 'closing audiosocket connection' && reason.test(String(l.reason))), JSON.stringify(h.logs));
      assert.equal(h.events.filter((e) => e.type === 'call_started').length, 1, 'only the bystander call');
      await other.stillFine();
      other.caller.hangUp();
    } finally {
      await h.close();
    }
  });
}

const duringTheCall: Array<[string, Buffer, RegExp]> = [
  ['an unknown kind', Buffer.from([0x02, 0, 0]), /unknown message kind 0x02/],
  ['an audio length no frame has (header only)', Buffer.from([0x10, 0xff, 0xfe]), /audio message of 65534 bytes \(at most 16000\)/],
  ['an odd audio length', encodeMessage(0x10, Buffer.alloc(3)), /audio message of 3 bytes \(expected a whole number of 16-bit samples\)/],
  ['an empty audio message', Buffer.from([0x10, 0, 0]), /audio message of 0 bytes/],
  ['16 kHz audio', encodeMessage(0x12, Buffer.alloc(640)), /audio kind 0x12 is not 8 kHz slin/],
  ['a second UUID', uuidMessage(), /a second UUID on one connection/],
  ['a DTMF message of two bytes', encodeMessage(0x03, Buffer.from('12')), /DTMF message of 2 bytes/],
  ['an error from Asterisk', encodeMessage(0xff, Buffer.from([0x04])), /Asterisk reported an error \(code 0x04\)/],
];

for (const [what, bytes, reason] of duringTheCall) {
  test(`${what} during a call ends that call as rejected, with the reason logged; another call is untouched`, async () => {
    const h = await startAudioSocketBridge();
    try {
      const other = await bystander(h);
      const uuid = randomUUID();
      const socket = await h.rawSocket();
      const reply = received(socket);
      socket.write(uuidMessage(uuid));
      await h.waitForEvent('call_started', (e) => e.call.callSid === uuid);
      socket.write(bytes);
      const ended = await h.waitForEvent('call_ended', (e) => e.callSid === uuid);
      assert.equal(ended.summary.outcome, 'rejected');
      assert.match(String(ended.summary.reason), reason);
      assert.deepEqual([...(await reply)].slice(-3), HANGUP, 'the server hung up');
      assert.ok(h.logs.some((l) => l.msg === 'closing audiosocket connection' && reason.test(String(l.reason))));
      await other.stillFine();
      other.caller.hangUp();
    } finally {
      await h.close();
    }
  });
}

test('a peer that vanishes mid-sentence (connection reset) ends its call; the other call plays on', async () => {
  const h = await startAudioSocketBridge();
  try {
    const other = await bystander(h);
    const { caller, agent } = await h.connectedCaller();
    agent.sendAudio(randomBytes(16_000, 8)); // two seconds of speech
    await new Promise<void>((resolve) => caller.once('media', () => resolve()));
    await sleep(100);
    caller.socket.resetAndDestroy();
    const ended = await h.waitForEvent('call_ended', (e) => e.callSid === caller.callSid);
    assert.equal(ended.summary.outcome, 'carrier_disconnected', 'a broken connection, not a hang-up');
    assert.ok(h.logs.some((l) => l.msg === 'audiosocket connection error'), 'the reset is logged');
    await other.stillFine();
    other.caller.hangUp();
  } finally {
    await h.close();
  }
});

test('a stream cut in the middle of a message is logged and ends the call like a hang-up', async () => {
  const h = await startAudioSocketBridge();
  try {
    const { caller } = await h.connectedCaller();
    caller.sendRaw(encodeMessage(0x10, Buffer.alloc(320)).subarray(0, 100));
    caller.stop();
    const ended = await h.waitForEvent('call_ended');
    assert.equal(ended.summary.outcome, 'completed');
    assert.ok(h.logs.some((l) => l.msg === 'audiosocket connection ended mid-message' && l.bytes === 100));
  } finally {
    await h.close();
  }
});

test('a connection that never sends its UUID is closed after five seconds', async () => {
  const h = await startAudioSocketBridge();
  try {
    const socket = await h.rawSocket();
    const startedAt = performance.now();
    assert.deepEqual([...(await received(socket))], HANGUP);
    assert.ok(performance.now() - startedAt >= 4900);
    assert.ok(h.logs.some((l) => l.reason === 'no UUID within 5 s'));
  } finally {
    await h.close();
  }
});

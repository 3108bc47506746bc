// A stalled peer never grows the server's memory without bound: audio for a socket that does not
// drain is dropped at a fixed limit and counted (phone_agent_frames_dropped_total{reason="backpressure"}).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { startBridge, randomBytes, sleep } from '../helpers/bridge-harness.js';

/** Stops reading a WebSocket's TCP stream, as a stalled peer would (ws keeps its socket private). */
function stallReading(ws: WebSocket): void {
  (ws as unknown as { _socket: Socket })._socket.pause();
}

async function droppedFrames(h: Awaited<ReturnType<typeof startBridge>>, reason: string): Promise<number> {
  const metric = await h.server.metrics.registry.getSingleMetric('phone_agent_frames_dropped_total')!.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

test('a caller link that stops reading: agent audio is dropped past the limit, the server buffer stays bounded', async () => {
  const h = await startBridge();
  try {
    const { call, agent } = await h.connectedCall();
    stallReading(call.ws);
    const [twilioSide] = [...h.server.app.websocketServer.clients];
    let maxBuffered = 0;
    // 16 MB of agent audio (over half an hour), far more than the kernel's socket buffers hold.
    for (let i = 0; i < 256; i++) {
      agent.sendAudio(randomBytes(64 * 1024, i + 1));
      if (i % 16 === 15) {
        await sleep(20);
        maxBuffered = Math.max(maxBuffered, twilioSide!.bufferedAmount);
      }
    }
    await sleep(200);
    maxBuffered = Math.max(maxBuffered, twilioSide!.bufferedAmount);
    assert.ok((await droppedFrames(h, 'backpressure')) > 0, 'frames were dropped');
    // The limit is 256 KiB; one message (64 KiB of audio is ~87 KiB of base64 JSON) may land on top of it.
    assert.ok(maxBuffered < 256 * 1024 + 100 * 1024, `server-side buffer peaked at ${maxBuffered} bytes`);
    call.ws.terminate();
  } finally {
    await h.close();
  }
});

test('an agent that stops reading: caller audio is dropped past the limit and the call goes on', async () => {
  const h = await startBridge();
  try {
    const { call, agent } = await h.connectedCall();
    stallReading(agent.ws);
    const frame = randomBytes(30 * 1024, 5);
    for (let i = 0; i < 400; i++) {
      call.sendFrame(frame);
      if (i % 20 === 19) await sleep(10);
    }
    await sleep(300);
    assert.ok((await droppedFrames(h, 'backpressure')) > 0, 'caller audio was dropped instead of queued');
    assert.ok(call.open, 'the call is still up');
    call.hangUp();
    await h.waitForEvent('call_ended');
  } finally {
    await h.close();
  }
});

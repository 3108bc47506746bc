import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallEventBus, type CallEvent } from '../../src/domain/call.js';
import { Metrics } from '../../src/observability/metrics.js';
import { CallRecorder } from '../../src/store/recorder.js';

/** A store whose writes succeed, fail or hang as the test says. */
class FakeStore {
  readonly batches: CallEvent[][] = [];
  failuresLeft = 0;
  #release: (() => void) | undefined;
  #blocked: Promise<void> | undefined;

  block(): void {
    this.#blocked = new Promise((resolve) => (this.#release = resolve));
  }

  unblock(): void {
    this.#release?.();
    this.#blocked = undefined;
  }

  async recordEvents(events: readonly CallEvent[]): Promise<void> {
    await this.#blocked;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('database unavailable');
    }
    this.batches.push([...events]);
  }

  get written(): CallEvent[] {
    return this.batches.flat();
  }
}

const event = (i: number): CallEvent => ({ type: 'event', callSid: 'CA1', at: i, kind: 'info', detail: `e${i}` });
const dropped = async (metrics: Metrics, reason: string) =>
  (await metrics.registry.getSingleMetric('phone_agent_store_events_dropped_total')!.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('CallRecorder', () => {
  it('never writes on the emitter’s stack, and writes everything by close', async () => {
    const store = new FakeStore();
    const bus = new CallEventBus();
    const recorder = new CallRecorder(store, bus, { batchSize: 2 });
    for (let i = 0; i < 5; i++) bus.emit(event(i));
    assert.equal(store.batches.length, 0, 'emit returned before any write started');
    assert.equal(recorder.pending, 5);
    await recorder.close();
    assert.deepEqual(store.written, [0, 1, 2, 3, 4].map(event));
    assert.deepEqual(store.batches.map((b) => b.length), [2, 2, 1]);
    assert.equal(recorder.pending, 0);
  });

  it('stops listening on close', async () => {
    const store = new FakeStore();
    const bus = new CallEventBus();
    const recorder = new CallRecorder(store, bus);
    await recorder.close();
    bus.emit(event(1));
    await recorder.flush();
    assert.deepEqual(store.written, []);
  });

  it('retries a failed batch, keeping the order', async () => {
    const store = new FakeStore();
    store.failuresLeft = 2;
    const bus = new CallEventBus();
    const recorder = new CallRecorder(store, bus, { retryDelayMs: 1 });
    bus.emit(event(1));
    bus.emit(event(2));
    await recorder.close();
    assert.deepEqual(store.written, [event(1), event(2)]);
  });

  it('gives up on a batch after maxAttempts and counts what it lost', async () => {
    const store = new FakeStore();
    store.failuresLeft = 3;
    const metrics = new Metrics({ defaultMetrics: false });
    const bus = new CallEventBus();
    const recorder = new CallRecorder(store, bus, { retryDelayMs: 1, maxAttempts: 3, metrics });
    bus.emit(event(1));
    bus.emit(event(2));
    await recorder.flush();
    bus.emit(event(3));
    await recorder.close();
    metrics.close();
    assert.deepEqual(store.written, [event(3)]);
    assert.equal(await dropped(metrics, 'write_failed'), 2);
  });

  it('drops new events beyond maxQueue while the store is stuck, and keeps the queued ones', async () => {
    const store = new FakeStore();
    store.block();
    const metrics = new Metrics({ defaultMetrics: false });
    const bus = new CallEventBus();
    const recorder = new CallRecorder(store, bus, { batchSize: 2, maxQueue: 4, metrics });
    bus.emit(event(0));
    bus.emit(event(1));
    const flushed = recorder.flush(); // takes events 0 and 1 into a write that hangs
    for (let i = 2; i < 10; i++) bus.emit(event(i));
    assert.equal(recorder.pending, 6, 'two in flight, four queued');
    assert.equal(await dropped(metrics, 'queue_full'), 4);
    store.unblock();
    await flushed;
    await recorder.close();
    metrics.close();
    assert.deepEqual(store.written, [0, 1, 2, 3, 4, 5].map(event));
  });
});

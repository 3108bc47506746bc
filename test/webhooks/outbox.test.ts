// The outbox on both databases: a report is enqueued in the very transaction that records a call's end,
// one attempt holds a report at a time, and the dispatcher retries through errors and timeouts until the
// receiver takes it, sending the same signed body under the same idempotency key every time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../src/store/index.js';
import { Metrics } from '../../src/observability/metrics.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import type { CallEvent } from '../../src/domain/call.js';
import { dialects, type TestDatabase } from '../store/databases.js';
import { sampleCall } from '../store/sample-call.js';
import { ReportReceiver } from './receiver.js';

const SECRET = 'whsec-test-0123456789';
const T0 = 1_700_000_000_000;

const attempts = async (metrics: Metrics, result: string) =>
  (await metrics.registry.getSingleMetric('phone_agent_webhook_attempts_total')!.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

for (const dialect of dialects) {
  describe(`the post-call report outbox on ${dialect.name}`, { skip: dialect.skip }, () => {
    let db: TestDatabase;
    let store: Store;
    let receiver: ReportReceiver;

    before(async () => {
      db = await dialect.create();
      store = await openStore(db.url, { reportEndedCalls: true });
      receiver = await ReportReceiver.start(SECRET);
    });
    after(async () => {
      await store.close();
      await receiver.down();
      await db.drop();
    });

    it('enqueues one report with the call’s end, in the same transaction, and never twice', async () => {
      const events = sampleCall({ callSid: 'CA-enqueue', startedAt: T0 });
      await store.recordEvents(events);
      await store.recordEvents([events.at(-1)!]);
      const [report, ...others] = await store.listWebhooks({ status: 'pending' });
      assert.equal(others.length, 0);
      assert.deepEqual(
        { ...report!, id: 0 },
        {
          id: 0,
          idempotencyKey: 'call.ended:CA-enqueue',
          callSid: 'CA-enqueue',
          event: 'call.ended',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: T0 + 9000,
          payload: null,
          lastError: null,
          createdAt: T0 + 9000,
          deliveredAt: null,
        },
      );

      // A batch that fails after the call's end rolls the report back with it: no report for an end not recorded.
      const failing = sampleCall({ callSid: 'CA-rolled-back', startedAt: T0 });
      const broken = { type: 'turn', callSid: 'CA-rolled-back', turn: { role: 'nobody', text: '', startedAt: T0, endedAt: T0, interrupted: false } };
      await assert.rejects(store.recordEvents([...failing, broken as unknown as CallEvent]));
      assert.equal(await store.getCall('CA-rolled-back'), undefined);
      assert.deepEqual((await store.listWebhooks()).map((w) => w.callSid), ['CA-enqueue']);

      // A store that does not report ended calls enqueues nothing.
      const quiet = await openStore(db.url);
      try {
        await quiet.recordEvents(sampleCall({ callSid: 'CA-unreported', startedAt: T0 + 1 }));
        assert.deepEqual((await store.listWebhooks()).map((w) => w.callSid), ['CA-enqueue']);
      } finally {
        await quiet.close();
      }
    });

    it('lets one attempt at a time hold a report', async () => {
      const [due] = await store.dueWebhooks(T0 + 10_000, 10);
      assert.ok(due);
      const claims = await Promise.all([store.claimWebhook(due, T0 + 60_000), store.claimWebhook(due, T0 + 60_000)]);
      assert.deepEqual(claims.sort(), [false, true]);
      assert.deepEqual(await store.dueWebhooks(T0 + 59_999, 10), [], 'held until the lease lapses');
      assert.equal((await store.dueWebhooks(T0 + 60_000, 10)).length, 1, 'due again once it lapses');
    });

    it('retries through errors and timeouts, then delivers the same signed body once', async () => {
      let now = Date.now();
      const metrics = new Metrics({ defaultMetrics: false });
      const dispatcher = new WebhookDispatcher({
        store,
        url: receiver.url,
        secret: SECRET,
        metrics,
        pollMs: 3_600_000,
        timeoutMs: 200,
        retryDelayMs: 1000,
        now: () => now,
      });
      // The report from the lease test is due at T0 + 60 s, long past.
      receiver.behaviour = 'error';
      await dispatcher.poll();
      let [pending] = await store.listWebhooks({ status: 'pending' });
      assert.equal(pending!.attempts, 1);
      assert.equal(pending!.lastError, 'HTTP 503: busy');
      assert.equal(pending!.nextAttemptAt, now + 1000);
      const body = pending!.payload;
      assert.ok(body, 'the body is fixed by the first attempt');

      await dispatcher.poll();
      assert.equal((await store.listWebhooks({ status: 'pending' }))[0]!.attempts, 1, 'not due before its retry time');

      receiver.behaviour = 'hang';
      now += 1000;
      await dispatcher.poll();
      [pending] = await store.listWebhooks({ status: 'pending' });
      assert.equal(pending!.attempts, 2);
      assert.equal(pending!.lastError, 'no answer within 200 ms');
      assert.equal(pending!.nextAttemptAt, now + 2000, 'the delay doubles');
      assert.equal(pending!.payload, body);

      receiver.behaviour = 'accept';
      now += 2000;
      await dispatcher.poll();
      await dispatcher.close();
      assert.deepEqual(await store.listWebhooks({ status: 'pending' }), []);
      const [delivered] = await store.listWebhooks();
      assert.equal(delivered!.status, 'delivered');
      assert.equal(delivered!.attempts, 3);
      assert.equal(delivered!.deliveredAt, now);

      const [received, ...more] = receiver.received;
      assert.equal(more.length, 0);
      assert.equal(received!.signatureProblem, undefined);
      assert.equal(received!.key, 'call.ended:CA-enqueue');
      assert.equal(JSON.stringify(received!.report), body);
      assert.deepEqual([await attempts(metrics, 'retry'), await attempts(metrics, 'delivered'), await attempts(metrics, 'failed')], [2, 1, 0]);
    });

    it('gives a report up after its last attempt, keeps it, and sends it again on request', async () => {
      await store.recordEvents(sampleCall({ callSid: 'CA-given-up', startedAt: T0 + 20_000 }));
      await receiver.down();
      const metrics = new Metrics({ defaultMetrics: false });
      const dispatcher = new WebhookDispatcher({ store, url: receiver.url, secret: SECRET, metrics, pollMs: 3_600_000, maxAttempts: 1 });
      try {
        await dispatcher.poll();
        const [failed, ...others] = await store.listWebhooks({ status: 'failed' });
        assert.equal(others.length, 0);
        assert.equal(failed!.callSid, 'CA-given-up');
        assert.match(failed!.lastError!, /ECONNREFUSED/);
        assert.equal(await attempts(metrics, 'failed'), 1);
        const backlog = (await metrics.registry.getSingleMetric('phone_agent_webhook_backlog')!.get()).values;
        assert.deepEqual(Object.fromEntries(backlog.map((v) => [v.labels.status, v.value])), { pending: 0, failed: 1 });

        await receiver.up();
        await dispatcher.poll();
        assert.equal(receiver.received.length, 1, 'a failed report is not retried by itself');
        assert.equal(await store.retryWebhook(failed!.id, Date.now()), true);
        assert.equal(await store.retryWebhook(failed!.id, Date.now()), false, 'only a failed report can be retried');
        await dispatcher.poll();
        assert.deepEqual(receiver.keys(), ['call.ended:CA-enqueue', 'call.ended:CA-given-up']);
        assert.equal(receiver.received[1]!.signatureProblem, undefined);
      } finally {
        await dispatcher.close();
      }
    });
  });
}

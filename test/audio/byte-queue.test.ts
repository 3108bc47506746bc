// The bounded audio queue: each kind of bound, what is dropped and reported, and taking what is held.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue, type ByteQueueBound } from '../../src/audio/byte-queue.js';

const chunk = (size: number, fill = size) => Buffer.alloc(size, fill);

function queueOf(bytes: number, keep: ByteQueueBound): { queue: ByteQueue; dropped: number[] } {
  const dropped: number[] = [];
  return { queue: new ByteQueue({ bytes, keep, onDrop: (n) => dropped.push(n) }), dropped };
}

const sizes = (queue: ByteQueue) => [...queue].map((c) => c.length);

describe("ByteQueue keeping 'at-most'", () => {
  test('holds everything up to the bound, the bound itself included', () => {
    const { queue, dropped } = queueOf(10, 'at-most');
    for (const size of [4, 3, 3]) queue.push(chunk(size));
    assert.deepEqual(sizes(queue), [4, 3, 3]);
    assert.equal(queue.bytes, 10);
    assert.deepEqual(dropped, []);
  });

  test('drops the oldest chunks until it is within the bound, reporting each', () => {
    const { queue, dropped } = queueOf(10, 'at-most');
    for (const size of [4, 3, 3, 5]) queue.push(chunk(size));
    assert.deepEqual(sizes(queue), [3, 5]);
    assert.equal(queue.bytes, 8);
    assert.deepEqual(dropped, [4, 3]);
  });

  test('drops a chunk bigger than the bound on its own', () => {
    const { queue, dropped } = queueOf(10, 'at-most');
    queue.push(chunk(2));
    queue.push(chunk(11));
    assert.deepEqual(sizes(queue), []);
    assert.equal(queue.bytes, 0);
    assert.deepEqual(dropped, [2, 11]);
  });
});

describe("ByteQueue keeping 'at-most-and-newest'", () => {
  test('drops the oldest until within the bound', () => {
    const { queue, dropped } = queueOf(10, 'at-most-and-newest');
    for (const size of [6, 4, 1]) queue.push(chunk(size));
    assert.deepEqual(sizes(queue), [4, 1]);
    assert.deepEqual(dropped, [6]);
  });

  test('keeps the newest chunk even when it alone is over the bound', () => {
    const { queue, dropped } = queueOf(10, 'at-most-and-newest');
    queue.push(chunk(3));
    queue.push(chunk(12));
    assert.deepEqual(sizes(queue), [12]);
    assert.equal(queue.bytes, 12);
    assert.deepEqual(dropped, [3]);
  });
});

describe("ByteQueue keeping 'at-least'", () => {
  test('keeps the fewest newest chunks that reach the bound', () => {
    const { queue, dropped } = queueOf(10, 'at-least');
    for (const size of [4, 4, 4]) queue.push(chunk(size));
    assert.deepEqual(sizes(queue), [4, 4, 4], '8 bytes without the oldest would be short of 10');
    queue.push(chunk(4));
    assert.deepEqual(sizes(queue), [4, 4, 4], 'the newest three reach 10 without the oldest');
    assert.deepEqual(dropped, [4]);
  });

  test('drops the oldest when the rest reach the bound exactly', () => {
    const { queue } = queueOf(10, 'at-least');
    for (const size of [1, 5, 5]) queue.push(chunk(size));
    assert.deepEqual(sizes(queue), [5, 5]);
  });

  test('with a bound of zero keeps only the newest chunk', () => {
    const { queue } = queueOf(0, 'at-least');
    for (const size of [1, 2, 3]) queue.push(chunk(size));
    assert.deepEqual(sizes(queue), [3]);
  });

  test('measures typed arrays in bytes, not elements', () => {
    const queue = new ByteQueue<Int16Array>({ bytes: 8, keep: 'at-least' });
    for (const length of [2, 2, 2]) queue.push(new Int16Array(length));
    assert.deepEqual([...queue].map((c) => c.length), [2, 2]);
    assert.equal(queue.bytes, 8);
  });
});

describe('ByteQueue taking and clearing', () => {
  test('take returns what is held, oldest first, and leaves the queue empty', () => {
    const { queue } = queueOf(100, 'at-most');
    for (const fill of [1, 2, 3]) queue.push(chunk(2, fill));
    assert.deepEqual(queue.take().map((c) => c[0]), [1, 2, 3]);
    assert.deepEqual(sizes(queue), []);
    assert.equal(queue.bytes, 0);
  });

  test('iterating leaves what is held in place', () => {
    const { queue } = queueOf(100, 'at-most');
    queue.push(chunk(2));
    assert.deepEqual(sizes(queue), [2]);
    assert.deepEqual(sizes(queue), [2]);
  });

  test('after clear the bound counts from zero again, reporting nothing', () => {
    const { queue, dropped } = queueOf(10, 'at-most');
    queue.push(chunk(8));
    queue.clear();
    queue.push(chunk(8));
    assert.deepEqual(sizes(queue), [8]);
    assert.deepEqual(dropped, []);
  });
});

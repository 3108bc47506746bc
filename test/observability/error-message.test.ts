import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorMessage } from '../../src/observability/error-message.js';

test('an Error gives its message', () => {
  assert.equal(errorMessage(new TypeError('bad input')), 'bad input');
});

test('anything else thrown gives its text', () => {
  assert.equal(errorMessage('plain string'), 'plain string');
  assert.equal(errorMessage(42), '42');
  assert.equal(errorMessage(undefined), 'undefined');
});

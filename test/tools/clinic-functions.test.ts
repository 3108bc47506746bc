// config/agent.json declares the clinic's functions to the model; the shared contract is what the
// tools accept and the built-in dialog sends. The two must name the same functions and arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { CLINIC_FUNCTION_NAMES, clinicFunctionArguments, type ClinicFunctionName } from '../../src/domain/clinic-functions.js';

interface Declared {
  name: string;
  parameters: { properties: Record<string, unknown>; required: string[] };
}

const declared = (JSON.parse(readFileSync('config/agent.json', 'utf8')) as { agent: { think: { functions: Declared[] } } }).agent.think.functions;

test('config/agent.json declares exactly the shared clinic functions', () => {
  assert.deepEqual(declared.map((f) => f.name).sort(), [...CLINIC_FUNCTION_NAMES].sort());
});

test('each declared function has the shared arguments, required where the schema requires them', () => {
  for (const f of declared) {
    const shape: Record<string, z.ZodType> = clinicFunctionArguments[f.name as ClinicFunctionName].shape;
    const names = Object.keys(shape).sort();
    assert.deepEqual(Object.keys(f.parameters.properties).sort(), names, f.name);
    const required = names.filter((n) => !shape[n]!.safeParse(undefined).success);
    assert.deepEqual([...f.parameters.required].sort(), required, f.name);
  }
});

// A call through the bridge with the clinic's real functions and a real SQLite store: the scripted
// agent books an appointment as an LLM would, and the store holds exactly what it asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge } from '../helpers/bridge-harness.js';
import { openStore } from '../../src/store/index.js';
import { FunctionRegistry } from '../../src/tools/registry.js';
import { clinicTools, loadClinicConfig } from '../../src/tools/clinic/index.js';

test('the agent books an appointment during a call and it is in the store with exactly those values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'phone-agent-clinic-call-'));
  const store = await openStore(join(dir, 'calls.db'));
  const functions = new FunctionRegistry(
    clinicTools({ clinic: loadClinicConfig('config/clinic.json'), store, now: () => new Date('2030-06-03T14:10:00Z') }),
  );
  const h = await startBridge({ functions });
  try {
    const { call, agent } = await h.connectedCall();
    const args = { patient_name: 'Maria Garcia', date_of_birth: '1964-11-02', date: '2030-06-05', time: '15:00', reason: 'blood pressure check' };
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'b1', name: 'book_appointment', arguments: JSON.stringify(args), client_side: true }] });
    const response = await agent.waitFor((m) => m.type === 'FunctionCallResponse' && m.id === 'b1');
    const booked = (JSON.parse(String(response.content)) as { booked: { id: number } }).booked;
    assert.deepEqual(booked, {
      id: booked.id,
      patient_name: 'Maria Garcia',
      date: '2030-06-05',
      time: '15:00',
      weekday: 'wednesday',
      reason: 'blood pressure check',
    });

    const [stored, ...others] = await store.listAppointments();
    assert.equal(others.length, 0);
    assert.deepEqual(
      { ...stored!, createdAt: 0, updatedAt: 0 },
      {
        id: booked.id,
        patientName: 'Maria Garcia',
        dateOfBirth: '1964-11-02',
        date: '2030-06-05',
        time: '15:00',
        reason: 'blood pressure check',
        status: 'booked',
        createdAt: 0,
        updatedAt: 0,
        callSid: call.callSid,
      },
    );

    // The same slot a second time is refused with alternatives, and nothing more is stored.
    const secondArgs = JSON.stringify({ ...args, patient_name: 'Tom Baker' });
    agent.send({ type: 'FunctionCallRequest', functions: [{ id: 'b2', name: 'book_appointment', arguments: secondArgs, client_side: true }] });
    const secondResponse = await agent.waitFor((m) => m.type === 'FunctionCallResponse' && m.id === 'b2');
    const second = JSON.parse(String(secondResponse.content)) as { error: string; nearest_open_slots: unknown[] };
    assert.match(second.error, /already taken/);
    assert.equal(second.nearest_open_slots.length, 3);
    assert.equal((await store.listAppointments()).length, 1);
    call.hangUp();
    await h.waitForEvent('call_ended');
  } finally {
    await h.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Agent definitions for the tests: two clinics, each answering its own number, written into a folder.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NORTH_NUMBER = '+15550100001';
export const SOUTH_NUMBER = '+15550100002';

const seedSettings = JSON.parse(readFileSync('config/agent.json', 'utf8')) as { agent: Record<string, unknown> };
const seedClinic = JSON.parse(readFileSync('config/clinic.json', 'utf8')) as Record<string, unknown>;

export function definition(clinicName: string, numbers: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  // A copy each time: tests change the nested parts.
  return structuredClone({
    numbers,
    settings: { ...seedSettings, agent: { ...seedSettings.agent, greeting: `Thank you for calling ${clinicName}.` } },
    clinic: { ...seedClinic, name: clinicName, address: `1 ${clinicName} Road`, transferNumber: '+15550109999' },
    ...extra,
  });
}

export function writeDefinition(dir: string, file: string, value: unknown): void {
  writeFileSync(join(dir, file), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

export function writeTwoClinics(dir: string): void {
  writeDefinition(dir, 'north.json', definition('North Clinic', [NORTH_NUMBER]));
  writeDefinition(dir, 'south.json', definition('South Clinic', [SOUTH_NUMBER]));
}

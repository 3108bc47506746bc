// Loads the agent's V1 Settings (AGENT_CONFIG, default config/agent.json) and checks what the bridge
// needs beyond the protocol: Twilio Media Streams carry raw mu-law at 8 kHz in both directions.
import { readFileSync } from 'node:fs';
import { SettingsSchema, type Settings } from './settings.js';
import { explainIssues } from '../protocol/explain-issues.js';
import { ConfigError } from '../config/env.js';
import { errorMessage } from '../observability/error-message.js';

export function loadAgentSettings(path: string): Settings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`AGENT_CONFIG: cannot read ${path}: ${errorMessage(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`AGENT_CONFIG: ${path} is not valid JSON: ${errorMessage(err)}`);
  }
  return validateAgentSettings(json, path);
}

export function validateAgentSettings(json: unknown, source = 'agent settings'): Settings {
  const r = SettingsSchema.safeParse(json);
  if (!r.success) throw new ConfigError(`${source} is not a valid Voice Agent V1 Settings message:\n${indent(explainIssues(r.error))}`);
  const problems = twilioAudioProblems(r.data);
  if (problems.length > 0) throw new ConfigError(`${source} cannot carry a phone call:\n${indent(problems.join('\n'))}`);
  return r.data;
}

function twilioAudioProblems(s: Settings): string[] {
  const out: string[] = [];
  const { input, output } = s.audio;
  if (input.encoding !== 'mulaw') out.push(`audio.input.encoding: must be "mulaw" (Twilio sends mu-law), got "${input.encoding}"`);
  if (input.sample_rate !== 8000) out.push(`audio.input.sample_rate: must be 8000 (Twilio sends 8 kHz), got ${input.sample_rate}`);
  if (output.encoding !== 'mulaw') out.push(`audio.output.encoding: must be "mulaw" (Twilio plays mu-law), got "${output.encoding}"`);
  if (output.sample_rate !== 8000) out.push(`audio.output.sample_rate: must be 8000 (Twilio plays 8 kHz), got ${output.sample_rate ?? 'unset'}`);
  if (output.container !== 'none') out.push(`audio.output.container: must be "none" (Twilio wants raw audio without headers), got "${output.container}"`);
  return out;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

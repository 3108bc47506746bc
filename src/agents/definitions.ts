// AGENTS_DIR: one JSON file per agent, each naming the numbers it answers and holding its V1 Settings
// and its clinic (hours, slots, address, insurance, transfer number), inline or as a path relative to
// the file. Every file is checked whole, and every problem is reported at once, each naming its file
// and field: a directory with one bad file is refused as a whole.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, PhoneNumber, type Env } from '../config/env.js';
import type { Settings } from '../agent/settings.js';
import { loadAgentSettings, validateAgentSettings } from '../agent/settings-file.js';
import { loadClinicConfig, parseClinicConfig, type ClinicConfig } from '../tools/clinic/index.js';
import { DEFAULT_AGENT } from '../domain/call.js';
import { errorMessage } from '../observability/error-message.js';

export interface AgentDefinition {
  name: string;
  /** E.164 numbers whose calls this agent answers. */
  numbers: readonly string[];
  settings: Settings;
  clinic: ClinicConfig;
  /** Where a transfer to staff goes; unset: refused with a reason. */
  transferNumber: string | undefined;
  /** The file it came from; unset for the agent of AGENT_CONFIG and CLINIC_CONFIG. */
  file?: string;
}

export interface AgentSet {
  agents: readonly AgentDefinition[];
  /** Answers every number no agent claims. */
  fallback: AgentDefinition;
}

const AGENT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const DefinitionSchema = z
  .object({
    name: z.string().regex(AGENT_NAME, 'must be lowercase letters, digits, - and _ (at most 63)').optional(),
    numbers: z.array(PhoneNumber).default([]),
    /** This agent answers the numbers no agent claims, instead of the agent of AGENT_CONFIG. */
    default: z.boolean().default(false),
    settings: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'must be a Settings object or a path to one' }),
    clinic: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'must be a clinic config object or a path to one' }),
  })
  .strict();

/**
 * Reads every *.json in `dir`. `base` is the agent of AGENT_CONFIG and CLINIC_CONFIG: the default unless a
 * file says `"default": true`. `transferOverride` is TRANSFER_NUMBER, used by agents whose clinic names none.
 */
export function loadAgentSet(dir: string, base: AgentDefinition, transferOverride?: string): AgentSet {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    throw new ConfigError(`AGENTS_DIR: cannot read ${dir}: ${errorMessage(err)}`);
  }
  if (files.length === 0) throw new ConfigError(`AGENTS_DIR: ${dir} holds no agent definitions (*.json files)`);
  const problems: string[] = [];
  const loaded: Array<AgentDefinition & { isDefault: boolean }> = [];
  for (const file of files) {
    try {
      loaded.push(loadDefinition(join(dir, file), transferOverride));
    } catch (err) {
      problems.push(errorMessage(err));
    }
  }
  const defaults = loaded.filter((a) => a.isDefault);
  if (defaults.length > 1) problems.push(`${defaults.map((a) => a.file).join(', ')}: default: only one agent may be the default`);
  const owners = new Map<string, AgentDefinition>();
  const names = new Map<string, AgentDefinition>();
  if (defaults.length === 0) names.set(base.name, base);
  for (const agent of loaded) {
    const sameName = names.get(agent.name);
    if (sameName) problems.push(`${agent.file}: name: "${agent.name}" is also the name of ${sameName.file ?? 'the agent of AGENT_CONFIG'}`);
    names.set(agent.name, agent);
    for (const number of agent.numbers) {
      const owner = owners.get(number);
      if (owner) problems.push(`${agent.file}: numbers: ${number} is already answered by ${owner.file}`);
      owners.set(number, agent);
    }
  }
  if (problems.length > 0) throw new ConfigError(`AGENTS_DIR ${dir} is not valid:\n${problems.map((p) => `  ${p.replaceAll('\n', '\n  ')}`).join('\n')}`);
  const agents = loaded.map(({ isDefault: _isDefault, ...agent }) => agent);
  const fallback = agents.find((_, i) => loaded[i]!.isDefault) ?? base;
  return { agents: fallback === base ? [base, ...agents] : agents, fallback };
}

function loadDefinition(path: string, transferOverride: string | undefined): AgentDefinition & { isDefault: boolean } {
  const file = basename(path);
  const r = DefinitionSchema.safeParse(readJson(path, file));
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  const definition = r.data;
  const dir = resolve(path, '..');
  const part = (value: string | Record<string, unknown>, field: string): unknown =>
    typeof value === 'string' ? readJson(resolve(dir, value), `${file}: ${field} (${value})`) : value;
  const settings = validateAgentSettings(part(definition.settings, 'settings'), `${file}: settings`);
  const clinic = parseClinicConfig(part(definition.clinic, 'clinic'), `${file}: clinic`);
  const name = definition.name ?? file.replace(/\.json$/, '').toLowerCase();
  if (!AGENT_NAME.test(name)) throw new ConfigError(`${file}: name: the file's name is not an agent name (lowercase letters, digits, - and _): set "name"`);
  return {
    name,
    numbers: definition.numbers,
    settings,
    clinic,
    transferNumber: clinic.transferNumber ?? transferOverride,
    file,
    isDefault: definition.default,
  };
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${what}: cannot read ${path}: ${errorMessage(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${what}: not valid JSON: ${errorMessage(err)}`);
  }
}

/** The agent of AGENT_CONFIG and CLINIC_CONFIG, as before AGENTS_DIR: TRANSFER_NUMBER overrides its clinic's number. */
export function baseAgent(settings: Settings, clinic: ClinicConfig, transferOverride: string | undefined): AgentDefinition {
  return { name: DEFAULT_AGENT, numbers: [], settings, clinic, transferNumber: transferOverride ?? clinic.transferNumber };
}

/** The agents the environment describes: AGENTS_DIR's, or the one agent of AGENT_CONFIG and CLINIC_CONFIG. */
export function loadAgentsFromEnv(env: Pick<Env, 'AGENT_CONFIG' | 'CLINIC_CONFIG' | 'TRANSFER_NUMBER' | 'AGENTS_DIR'>): AgentSet {
  const base = baseAgent(loadAgentSettings(env.AGENT_CONFIG), loadClinicConfig(env.CLINIC_CONFIG), env.TRANSFER_NUMBER);
  return env.AGENTS_DIR ? loadAgentSet(env.AGENTS_DIR, base, env.TRANSFER_NUMBER) : { agents: [base], fallback: base };
}

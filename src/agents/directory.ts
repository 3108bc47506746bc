// Which agent answers a call: the one whose definition lists the called number, else the default. The
// set is replaced whole (SIGHUP): a call keeps the agent it started with, Settings and functions alike.
import type { FunctionRegistry } from '../tools/registry.js';
import type { AgentDefinition, AgentSet } from './definitions.js';

export interface AgentProfile extends AgentDefinition {
  /** The clinic's functions bound to this agent's clinic and calendar. */
  functions: FunctionRegistry;
}

export interface AgentListing {
  name: string;
  numbers: readonly string[];
  default: boolean;
  file: string | null;
  clinic: string;
  greeting: string | null;
}

interface Routing {
  byNumber: ReadonlyMap<string, AgentProfile>;
  fallback: AgentProfile;
  all: readonly AgentProfile[];
}

export class AgentDirectory {
  #routing: Routing;

  constructor(
    set: AgentSet,
    private readonly functionsFor: (agent: AgentDefinition) => FunctionRegistry,
  ) {
    this.#routing = this.#route(set);
  }

  forNumber(to: string): AgentProfile {
    return this.#routing.byNumber.get(to) ?? this.#routing.fallback;
  }

  /** Takes a new, already validated set; calls in progress keep their agents. */
  replace(set: AgentSet): void {
    this.#routing = this.#route(set);
  }

  list(): AgentListing[] {
    const { all, fallback } = this.#routing;
    return all.map((a) => ({
      name: a.name,
      numbers: a.numbers,
      default: a === fallback,
      file: a.file ?? null,
      clinic: a.clinic.name,
      greeting: a.settings.agent.greeting ?? null,
    }));
  }

  #route(set: AgentSet): Routing {
    const profiles = new Map(set.agents.map((a) => [a, { ...a, functions: this.functionsFor(a) }]));
    const byNumber = new Map<string, AgentProfile>();
    for (const profile of profiles.values()) for (const number of profile.numbers) byNumber.set(number, profile);
    return { byNumber, fallback: profiles.get(set.fallback)!, all: [...profiles.values()] };
  }
}

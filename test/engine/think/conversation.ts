// Drives a ThinkProvider the way the engine session does: the whole conversation on every turn,
// function calls answered with `tool` messages and the provider asked again until it only talks.
import { readFileSync } from 'node:fs';
import type { AgentFunction } from '../../../src/agent/settings.js';
import type { ChatMessage, ThinkProvider, ToolCall } from '../../../src/engine/types.js';

export const CLINIC_FUNCTIONS: AgentFunction[] = (
  JSON.parse(readFileSync(new URL('../../../../config/agent.json', import.meta.url), 'utf8')) as {
    agent: { think: { functions: AgentFunction[] } };
  }
).agent.think.functions;

/** A function's answer: fixed JSON, or computed from the arguments it was called with. */
export type FunctionResult = unknown | ((args: Record<string, unknown>) => unknown);

export interface Turn {
  /** Everything said in reply to the caller's turn, across the provider's rounds. */
  text: string;
  calls: Array<{ name: string; args: Record<string, unknown> }>;
}

export class Conversation {
  readonly messages: ChatMessage[] = [{ role: 'system', content: 'You are the assistant of a clinic.' }];

  constructor(
    private readonly provider: ThinkProvider,
    private readonly functions: readonly AgentFunction[] = CLINIC_FUNCTIONS,
    /** Answers used when a turn gives none for a function. */
    private readonly defaults: Record<string, FunctionResult> = {},
  ) {}

  async say(userText: string, results: Record<string, FunctionResult> = {}): Promise<Turn> {
    this.messages.push({ role: 'user', content: userText });
    const turn: Turn = { text: '', calls: [] };
    for (let round = 0; round < 10; round++) {
      let text = '';
      const calls: ToolCall[] = [];
      for await (const event of this.provider.respond({ messages: this.messages, functions: this.functions, signal: new AbortController().signal })) {
        if (event.type === 'text') text += event.text;
        else calls.push(event.call);
      }
      turn.text = [turn.text, text].filter(Boolean).join(' ');
      this.messages.push(calls.length ? { role: 'assistant', content: text, tool_calls: calls } : { role: 'assistant', content: text });
      if (calls.length === 0) return turn;
      for (const call of calls) {
        const args = JSON.parse(call.arguments) as Record<string, unknown>;
        turn.calls.push({ name: call.name, args });
        const answer = call.name in results ? results[call.name] : call.name in this.defaults ? this.defaults[call.name] : { ok: true };
        const content = typeof answer === 'function' ? (answer as (a: Record<string, unknown>) => unknown)(args) : answer;
        this.messages.push({ role: 'tool', tool_call_id: call.id, name: call.name, content: JSON.stringify(content) });
      }
    }
    throw new Error('the provider kept calling functions for 10 rounds');
  }
}

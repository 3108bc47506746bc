// The conversation as the think provider sees it: system prompt first, then turns. Bounded, so a
// two-hour call cannot grow it without limit; trimmed from the oldest turn so that a tool result is
// never kept without the assistant message that asked for it.
import type { HistoryItem } from '../agent/settings.js';
import type { ChatMessage, ToolCall } from './types.js';

export const MAX_CONVERSATION_MESSAGES = 400;

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

export class Conversation {
  #prompt: string;
  #turns: ChatMessage[] = [];

  constructor(prompt: string, context: readonly HistoryItem[] = []) {
    this.#prompt = prompt;
    for (const item of context) {
      if ('role' in item) {
        this.#append({ role: item.role, content: item.content });
        continue;
      }
      const calls = item.function_calls;
      if (calls.length === 0) continue;
      this.#append({ role: 'assistant', content: '', tool_calls: calls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })) });
      for (const c of calls) this.#append({ role: 'tool', tool_call_id: c.id, name: c.name, content: c.response });
    }
  }

  get prompt(): string {
    return this.#prompt;
  }

  set prompt(prompt: string) {
    this.#prompt = prompt;
  }

  /** What to send to the think provider. */
  messages(): ChatMessage[] {
    return [{ role: 'system', content: this.#prompt }, ...this.#turns];
  }

  addUser(content: string): void {
    this.#append({ role: 'user', content });
  }

  /** Returns the stored message, so the speaker can cut its text down to what was actually said. */
  addAssistant(content: string, toolCalls?: ToolCall[]): AssistantMessage {
    const message: AssistantMessage = toolCalls?.length ? { role: 'assistant', content, tool_calls: toolCalls } : { role: 'assistant', content };
    this.#append(message);
    return message;
  }

  addToolResult(call: ToolCall, content: string): void {
    this.#append({ role: 'tool', tool_call_id: call.id, name: call.name, content });
  }

  #append(message: ChatMessage): void {
    this.#turns.push(message);
    if (this.#turns.length <= MAX_CONVERSATION_MESSAGES) return;
    let cut = this.#turns.length - MAX_CONVERSATION_MESSAGES;
    while (cut < this.#turns.length && this.#turns[cut]!.role !== 'user') cut++;
    this.#turns.splice(0, cut);
  }
}

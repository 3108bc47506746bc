// The report's summary written by the configured model (OPENAI_API_KEY, or the agent's own think
// endpoint): a few sentences for whoever picks the call up in the EHR, CRM or ticket queue.
import { OpenAiThinkProvider, type OpenAiThinkOptions } from '../engine/think/openai.js';
import type { CallDetail } from '../store/types.js';
import type { CallSummarizer } from './call-report.js';

const INSTRUCTIONS =
  'You summarize a phone call between a caller and a clinic\'s AI phone agent for the clinic staff. ' +
  'Write two or three plain sentences: who called, what they wanted, what was done (appointments booked, moved or cancelled, ' +
  'transfers) and anything staff must follow up on. No greeting, no lists, no speculation.';

export function llmSummarizer(model: Omit<OpenAiThinkOptions, 'expectedPhrases'>, timeoutMs = 20_000): CallSummarizer {
  const provider = new OpenAiThinkProvider({ ...model, temperature: 0.2 });
  return async (call) => {
    let text = '';
    const request = { messages: [{ role: 'system' as const, content: INSTRUCTIONS }, { role: 'user' as const, content: callText(call) }], functions: [] };
    for await (const event of provider.respond({ ...request, signal: AbortSignal.timeout(timeoutMs) })) {
      if (event.type === 'text') text += event.text;
    }
    if (!text.trim()) throw new Error(`${model.url} wrote an empty summary`);
    return text.trim();
  };
}

function callText(call: CallDetail): string {
  const lines = [`Call ${call.direction} from ${call.from} to ${call.to}; outcome ${call.outcome ?? 'unknown'}${call.reason ? ` (${call.reason})` : ''}.`];
  for (const turn of call.transcript) lines.push(`${turn.role === 'user' ? 'Caller' : 'Agent'}: ${turn.heardText ?? turn.text}`);
  for (const fn of call.functionCalls) lines.push(`Function ${fn.name}(${fn.arguments}) -> ${fn.ok ? '' : 'refused: '}${fn.result}`);
  return lines.join('\n');
}

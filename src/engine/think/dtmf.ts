// Keypad presses reach the agent as a user turn of plain text, so any think provider understands
// them: an LLM reads "the caller pressed 0" as well as the built-in dialog does. Whoever receives
// the DTMF (the call bridge, the engine session) injects dtmfText(digits) as the user's message.

/** The user text that stands for keypad presses: `the caller pressed 0`. */
export function dtmfText(digits: string): string {
  return `the caller pressed ${digits}`;
}

/** The digits of a dtmfText() message (also "[dtmf 0]", "caller pressed star"), or undefined for speech. */
export function parseDtmf(text: string): string | undefined {
  const m = /^\s*(?:the\s+)?(?:caller\s+pressed|\[?\s*dtmf:?)\s*([0-9*#]+|zero|star|pound|hash)\s*\]?\s*\.?\s*$/i.exec(text);
  if (!m) return undefined;
  const key = m[1]!.toLowerCase();
  return key === 'zero' ? '0' : key === 'star' ? '*' : key === 'pound' || key === 'hash' ? '#' : key;
}

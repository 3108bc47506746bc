// "Press 0 for staff": a keypad rule the bridge applies itself, so the transfer happens the same way
// whatever the agent makes of the digit (an LLM may chat about it; the built-in dialog may not know
// the rule). The digit still reaches the agent as a user message; if the agent asks for a transfer
// too, the call's control dials out only once.
import type { CallEventBus } from '../domain/call.js';
import { errorMessage } from '../observability/error-message.js';
import type { Logger } from '../observability/log.js';
import type { CallControl } from '../domain/call-control.js';

export const STAFF_DIGIT = '0';

/** Subscribes to the calls' keypad events; returns the unsubscribe function. */
export function transferOnStaffDigit(events: CallEventBus, controlOf: (callSid: string) => CallControl | undefined, logger: Logger): () => void {
  return events.subscribe((e) => {
    if (e.type !== 'event' || e.kind !== 'dtmf' || e.detail !== STAFF_DIGIT) return;
    const control = controlOf(e.callSid);
    if (!control) return;
    control.transfer(`the caller pressed ${STAFF_DIGIT} for staff`).catch((err: unknown) => {
      logger.warn({ callSid: e.callSid, err: errorMessage(err) }, 'keypad transfer to staff failed');
    });
  });
}

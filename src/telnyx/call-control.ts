// Hang-up and transfer of a live TeXML call through Telnyx's REST API (TeXML "Update call").
//
// Hang-up: the session first waits until the goodbye has been heard (its playback ledger), then ends
// and closes the stream. With our own TeXML that alone ends the call, since nothing follows
// <Connect>; `Status=completed` makes it certain when the stream came from TeXML we did not write,
// and is harmless when the call is already over.
//
// Transfer: the call's TeXML is replaced with <Dial>; Telnyx then stops the stream, and the session
// records that `stop` as 'transferred' because it was told first.
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import type { Logger } from '../observability/log.js';
import type { TelnyxRestClient } from './rest-client.js';
import { dialTexml } from './texml.js';

export interface TelnyxCallControlOptions {
  client: TelnyxRestClient;
  /** E.164 number transfers dial; without it transfer_to_staff answers the agent with an error. */
  transferNumber: string | undefined;
  logger: Logger;
}

/** Call control per call; `accountSid` is the call's account (start.user_id), which the TeXML API's paths need. */
export type TelnyxControl = (call: ControlledCall, accountSid: string) => CallControl;

export function telnyxCallControl({ client, transferNumber, logger }: TelnyxCallControlOptions): TelnyxControl {
  return (session, accountSid) => {
    const callSid = session.info.callSid;
    let hangUpRequested = false;
    let transfer: Promise<void> | undefined;

    async function dial(number: string, reason: string): Promise<void> {
      // Before the update: Telnyx may deliver the stream's `stop` before the REST call returns.
      session.markTransferring();
      session.log.info({ reason, to: number }, 'transferring the call');
      await client.updateTexmlCall(accountSid, callSid, { Texml: dialTexml(number) });
    }

    return {
      hangUpAfterPlayback(reason) {
        if (hangUpRequested) return;
        hangUpRequested = true;
        session.hangUpAfterPlayback(reason);
        void session.done.then(async () => {
          if (transfer) return;
          try {
            await client.updateTexmlCall(accountSid, callSid, { Status: 'completed' });
          } catch (err) {
            logger.warn({ callSid, err: (err as Error).message }, 'Telnyx REST hang-up failed (the closed stream still ends a <Connect> call)');
          }
        });
      },
      transfer(reason, to = transferNumber) {
        if (!to) {
          return Promise.reject(new Error('transfer is not configured: set TRANSFER_NUMBER or transferNumber in the clinic config'));
        }
        // The agent and the keypad may both ask; the call is dialled out once.
        transfer ??= dial(to, reason).catch((err: unknown) => {
          transfer = undefined;
          session.markTransferring(false);
          throw new Error(`the transfer failed: ${(err as Error).message}`);
        });
        return transfer;
      },
    };
  };
}

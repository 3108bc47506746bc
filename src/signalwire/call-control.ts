// Hang-up and transfer of a live SignalWire call through its Compatibility REST API.
//
// Hang-up: the session first waits until the goodbye has been heard (its mark ledger), then ends and
// closes the stream. With our own cXML that alone ends the call, since nothing follows <Connect>; the
// REST update to Status=completed makes it certain when the stream was opened by cXML we did not write.
//
// Transfer: the call's cXML is replaced by fetching `Url` (our /signalwire/transfer, a <Dial> to the
// staff number): SignalWire documents inline cXML on a call update as unverified, so the URL it is.
// SignalWire then stops the stream, and the session records that `stop` as 'transferred' because it
// was told first.
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import type { Logger } from '../observability/log.js';
import type { SignalWireRestClient } from './rest-client.js';

export interface SignalWireCallControlOptions {
  client: SignalWireRestClient;
  /** Where the transferred call fetches its <Dial>; undefined without a transfer number or a public URL. */
  transferUrl: string | undefined;
  logger: Logger;
}

export function signalWireCallControl({ client, transferUrl, logger }: SignalWireCallControlOptions): (call: ControlledCall) => CallControl {
  return (session) => {
    const callSid = session.info.callSid;
    let hangUpRequested = false;
    let transfer: Promise<void> | undefined;

    async function redirect(url: string, reason: string): Promise<void> {
      // Before the update: SignalWire may deliver the stream's `stop` before the REST call returns.
      session.markTransferring();
      session.log.info({ reason }, 'transferring the call');
      await client.updateCall(callSid, [
        ['Url', url],
        ['Method', 'POST'],
      ]);
    }

    return {
      hangUpAfterPlayback(reason) {
        if (hangUpRequested) return;
        hangUpRequested = true;
        session.hangUpAfterPlayback(reason);
        void session.done.then(async () => {
          if (transfer) return;
          try {
            await client.updateCall(callSid, [['Status', 'completed']]);
          } catch (err) {
            logger.warn({ callSid, err: (err as Error).message }, 'SignalWire REST hang-up failed (the closed stream still ends a <Connect> call)');
          }
        });
      },
      transfer(reason, to) {
        // The transferred call fetches its <Dial> from our transfer route, which dials the configured number only.
        if (to !== undefined) return Promise.reject(new Error('this carrier transfers only to the configured transfer number'));
        if (!transferUrl) {
          return Promise.reject(new Error('transfer is not configured: set TRANSFER_NUMBER (or transferNumber in the clinic config) and PUBLIC_URL'));
        }
        // The agent and the keypad may both ask; the call is redirected once.
        transfer ??= redirect(transferUrl, reason).catch((err: unknown) => {
          transfer = undefined;
          session.markTransferring(false);
          throw new Error(`the transfer failed: ${(err as Error).message}`);
        });
        return transfer;
      },
    };
  };
}

// Hang-up and transfer of a live Plivo call through its REST API.
//
// Hang-up: the session first waits until the goodbye has been heard (its checkpoint ledger), then ends
// and closes the stream. With our own XML that alone ends the call, since nothing follows the stream;
// the REST hang-up (DELETE Call/{uuid}/) makes it certain when the stream was opened by XML we did not write.
//
// Transfer: the caller's leg fetches new XML from our /plivo/transfer (a <Dial> to the staff number),
// which replaces the running <Stream>; Plivo then closes the stream's socket, and the session records
// that end as 'transferred' because it was told first.
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import type { Logger } from '../observability/log.js';
import type { PlivoRestClient } from './rest-client.js';

export interface PlivoCallControlOptions {
  client: PlivoRestClient;
  /** Where the transferred call fetches its <Dial>; undefined without a transfer number or a public URL. */
  transferUrl: string | undefined;
  logger: Logger;
}

export function plivoCallControl({ client, transferUrl, logger }: PlivoCallControlOptions): (call: ControlledCall) => CallControl {
  return (session) => {
    const callUuid = session.info.callSid;
    let hangUpRequested = false;
    let transfer: Promise<void> | undefined;

    async function redirect(url: string, reason: string): Promise<void> {
      // Before the request: Plivo may close the stream before the REST call returns.
      session.markTransferring();
      session.log.info({ reason }, 'transferring the call');
      await client.transfer(callUuid, url);
    }

    return {
      hangUpAfterPlayback(reason) {
        if (hangUpRequested) return;
        hangUpRequested = true;
        session.hangUpAfterPlayback(reason);
        void session.done.then(async () => {
          if (transfer) return;
          try {
            await client.hangUp(callUuid);
          } catch (err) {
            logger.warn({ callSid: callUuid, err: (err as Error).message }, 'Plivo REST hang-up failed (the closed stream still ends the call)');
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

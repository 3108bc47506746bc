// Hang-up and transfer of a live Vonage call through the Voice REST API.
//
// The media WebSocket is a leg of its own; the caller's leg (the uuid of the answer webhook, our
// callSid) is the phone call. Hang-up: the session waits until the goodbye has been heard, ends and
// closes the socket; with our NCCO nothing follows the connect, so the call completes by itself, and
// the REST hang-up of the caller's leg makes it certain when the NCCO was not ours.
// Transfer: the caller's leg gets a new NCCO that dials staff, which takes the caller away from our
// socket; we then close the socket ourselves, and the session records that end as 'transferred'
// because it was told first.
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import type { Logger } from '../observability/log.js';
import { dialNcco } from './ncco.js';
import type { VonageClient } from './rest-client.js';

export interface VonageCallControlOptions {
  client: VonageClient;
  /** E.164 number transfers dial; without it transfer_to_staff answers the agent with an error. */
  transferNumber: string | undefined;
  logger: Logger;
}

/** What call control needs from the media leg. */
export interface VonageMedia {
  /** Our Vonage number on this call (the caller id a transfer shows), when known. */
  ourNumber: string | undefined;
  close(reason: string): void;
}

export type VonageControlFactory = (call: ControlledCall, media: VonageMedia) => CallControl;

export function vonageCallControl({ client, transferNumber, logger }: VonageCallControlOptions): VonageControlFactory {
  return (session, media) => {
    const callUuid = session.info.callSid;
    let hangUpRequested = false;
    let transfer: Promise<void> | undefined;

    async function dial(number: string, reason: string): Promise<void> {
      // Before the request: the socket may close before the REST call returns.
      session.markTransferring();
      session.log.info({ reason, to: number }, 'transferring the call');
      await client.transfer(callUuid, dialNcco(number, media.ourNumber));
      media.close('transferred');
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
            const reason = (err as Error).message;
            logger.warn({ callSid: callUuid, err: reason }, 'REST hang-up failed (the closed socket still ends a call whose NCCO ends with the connect)');
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

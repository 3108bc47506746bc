// Hang-up and transfer of a live call through Twilio's REST API (calls(sid).update).
//
// Hang-up: the session first waits until the goodbye has been heard (its mark ledger), then ends and
// closes the stream. With our own TwiML that alone ends the call, since nothing follows <Connect>;
// the REST update to status=completed is what makes it certain when the stream was opened by TwiML
// we did not write (a TwiML Bin or Studio flow with verbs after the stream), and it is harmless when
// the call is already over.
//
// Transfer, cold: the call's TwiML is replaced with <Dial>; Twilio then stops the stream, and the session
// records that `stop` as 'transferred' because it was told first. Warm (TRANSFER_MODE=warm, the default
// with a PUBLIC_URL): see warm-transfer.ts.
import twilio from 'twilio';
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { TwilioClient } from './rest-client.js';
import type { WarmTransfers } from './warm-transfer.js';

export interface TwilioCallControlOptions {
  client: TwilioClient;
  /** E.164 number transfers dial; without it transfer_to_staff answers the agent with an error. */
  transferNumber: string | undefined;
  logger: Logger;
  /** Warm transfers (staff hear a summary first); cold, a plain <Dial>, without. */
  warm?: WarmTransfers;
  metrics?: Metrics;
}

export function transferTwiml(number: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.dial(number);
  return response.toString();
}

/** The ServerOptions.callControl factory: one CallControl per call. */
export function twilioCallControl({ client, transferNumber, logger, warm, metrics }: TwilioCallControlOptions): (session: ControlledCall) => CallControl {
  return (session) => {
    const callSid = session.info.callSid;
    let hangUpRequested = false;
    let transfer: Promise<void> | undefined;

    async function dial(number: string, reason: string): Promise<void> {
      // Before the update: Twilio may deliver the stream's `stop` before the REST call returns.
      session.markTransferring();
      session.log.info({ reason, to: number }, 'transferring the call');
      await client.calls(callSid).update({ twiml: transferTwiml(number) });
      metrics?.transfer('cold', 'dialled');
    }

    return {
      hangUpAfterPlayback(reason) {
        if (hangUpRequested) return;
        hangUpRequested = true;
        session.hangUpAfterPlayback(reason);
        void session.done.then(async () => {
          if (transfer) return;
          try {
            await client.calls(callSid).update({ status: 'completed' });
          } catch (err) {
            logger.warn({ callSid, err: (err as Error).message }, 'REST hang-up failed (the closed stream still ends a <Connect> call)');
          }
        });
      },
      transfer(reason, number) {
        const to = number ?? session.transferNumber ?? transferNumber;
        if (!to) {
          return Promise.reject(new Error('transfer is not configured: set TRANSFER_NUMBER or transferNumber in the clinic config'));
        }
        // The agent and the keypad may both ask; the call is transferred once.
        if (warm) {
          // Resolves at once: the agent must still say it is transferring, and the caller hear it, before the hold.
          transfer ??= Promise.resolve(warm.start(session, to, reason));
          return transfer;
        }
        transfer ??= dial(to, reason).catch((err: unknown) => {
          transfer = undefined;
          session.markTransferring(false);
          metrics?.transfer('cold', 'failed');
          throw new Error(`the transfer failed: ${(err as Error).message}`);
        });
        return transfer;
      },
    };
  };
}

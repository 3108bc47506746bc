// The functions that act on the call itself rather than on the clinic's data: hand the caller to a
// person, or hang up once the goodbye has been heard. The call's CallControl does the work.
import { clinicTool } from './clinic/clinic-tool.js';

export const transferToStaffTool = clinicTool('transfer_to_staff', async (a, ctx) => {
  await ctx.control.transfer(a.reason ?? 'the caller asked for a person');
  return { transferring: true, note: 'the caller is being connected to the front desk; this conversation is over' };
});

export const endCallTool = clinicTool('end_call', async (a, ctx) => {
  ctx.control.hangUpAfterPlayback(a.reason ?? 'the agent ended the call');
  return { ending: true, note: 'the call ends once what you have said has been heard; say goodbye now if you have not' };
});

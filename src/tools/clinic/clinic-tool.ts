// A clinic function's tool takes its name and argument schema from the shared contract, so the tool
// and the dialog that calls it cannot drift apart.
import { clinicFunctionArguments, type ClinicFunctionArgs, type ClinicFunctionName } from '../../domain/clinic-functions.js';
import { defineTool, type ToolContext } from '../registry.js';

export function clinicTool<N extends ClinicFunctionName>(name: N, run: (args: ClinicFunctionArgs<N>, ctx: ToolContext) => Promise<unknown>) {
  return defineTool({ name, schema: clinicFunctionArguments[name], run });
}

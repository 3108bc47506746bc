// The clinic's functions, as declared in config/agent.json, ready for a FunctionRegistry.
import type { ToolDefinition } from '../registry.js';
import { endCallTool, transferToStaffTool } from '../call-tools.js';
import type { ClinicConfig } from './clinic-config.js';
import { ClinicSchedule } from './schedule.js';
import { appointmentTools, type ClinicStore } from './appointment-tools.js';
import { findOpenSlotsTool } from './find-open-slots.js';
import { officeInfoTool } from './office-info.js';

export { loadClinicConfig, parseClinicConfig, type ClinicConfig } from './clinic-config.js';

export interface ClinicToolsOptions {
  clinic: ClinicConfig;
  store: ClinicStore;
  /** The clock the schedule reads (tests pin it). */
  now?: () => Date;
}

export function clinicTools({ clinic, store, now }: ClinicToolsOptions): ToolDefinition[] {
  const schedule = new ClinicSchedule(clinic, store, now);
  return [findOpenSlotsTool(schedule), ...appointmentTools(schedule, store), officeInfoTool(clinic), transferToStaffTool, endCallTool];
}

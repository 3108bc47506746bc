// The clinic's functions, as declared in config/agent.json, ready for a FunctionRegistry.
import { DEFAULT_AGENT } from '../../domain/call.js';
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
  /** Whose calendar the functions read and book (AGENTS_DIR): DEFAULT_AGENT when unset. */
  agent?: string;
  /** The clock the schedule reads (tests pin it). */
  now?: () => Date;
}

export function clinicTools({ clinic, store, agent = DEFAULT_AGENT, now }: ClinicToolsOptions): ToolDefinition[] {
  const calendar = agentCalendar(store, agent);
  const schedule = new ClinicSchedule(clinic, calendar, now);
  return [findOpenSlotsTool(schedule), ...appointmentTools(schedule, calendar), officeInfoTool(clinic), transferToStaffTool, endCallTool];
}

/** The store as one agent's calendar: what it books is that agent's, and it sees no other agent's appointments. */
function agentCalendar(store: ClinicStore, agent: string): ClinicStore {
  return {
    createAppointment: (input) => store.createAppointment({ ...input, agent }),
    rescheduleAppointment: (id, slot) => store.rescheduleAppointment(id, slot),
    cancelAppointment: (id) => store.cancelAppointment(id),
    findAppointments: (query) => store.findAppointments({ ...query, agent }),
    appointmentsOn: (date) => store.appointmentsOn(date, agent),
  };
}

// get_office_info: the clinic's hours, address and accepted insurance, straight from the clinic
// config, in shapes an agent can read aloud ("08:00-17:00", "closed").
import { WEEKDAYS, type Weekday } from './calendar.js';
import type { ClinicConfig } from './clinic-config.js';
import { clinicTool } from './clinic-tool.js';

export function officeInfoTool(clinic: ClinicConfig) {
  const hours = Object.fromEntries(
    // Monday first: the order people say a week in.
    [...WEEKDAYS.slice(1), WEEKDAYS[0]].map((d: Weekday) => {
      const h = clinic.hours[d];
      return [d, h ? `${h.open}-${h.close}` : 'closed'];
    }),
  );
  const topics = {
    hours: { hours, ...(clinic.lunch ? { lunch_break: `${clinic.lunch.start}-${clinic.lunch.end}` } : {}), timezone: clinic.timezone },
    address: { address: clinic.address, ...(clinic.phone ? { phone: clinic.phone } : {}) },
    insurance: { insurance: clinic.insurance },
  };
  return clinicTool('get_office_info', async (a) => {
    const topic = a.topic ?? 'all';
    if (topic !== 'all') return { name: clinic.name, ...topics[topic] };
    return { name: clinic.name, ...topics.hours, ...topics.address, ...topics.insurance };
  });
}

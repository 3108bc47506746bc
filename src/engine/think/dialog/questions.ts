// What the dialog says to ask each question, to ask it again after a misunderstanding, and to read
// a task back before carrying it out.
import { chosen, type DialogState, type Question, type Task } from './state.js';
import { spokenDate, spokenList, spokenSlot, spokenTime } from './spoken.js';

export function questionText(state: DialogState, question: Question): string {
  const task = state.task;
  switch (question) {
    case 'task':
      return 'How can I help you today? I can book, reschedule or cancel an appointment, or answer questions about the office.';
    case 'name':
      return task?.kind === 'book' ? "Can I have the patient's full name?" : "Can I have the patient's full name, please?";
    case 'last_name':
      return 'And the last name?';
    case 'spell_name':
      return "Could you spell the patient's last name for me?";
    case 'dob':
      return "And the patient's date of birth?";
    case 'dob_year':
      return 'And what year was that?';
    case 'date':
      return task?.kind === 'reschedule' ? 'What day would you like to move it to?' : 'What day would you like to come in?';
    case 'time':
      return state.offered.length > 0
        ? `Which time would you like: ${spokenList(state.offered.map((s) => spokenTime(s.time)))}?`
        : 'What time works best for you?';
    case 'confirm':
      return readBack(task!);
    case 'change_what':
      return 'What would you like to change: the name, the date of birth, the day or the time?';
    case 'which_appointment':
      return task && 'existing' in task && task.existing.status === 'listed'
        ? `I see appointments on ${spokenList(task.existing.appointments.map(spokenSlot))}. Which one?`
        : `What day is the appointment you'd like to ${task?.kind === 'cancel' ? 'cancel' : 'move'}?`;
    case 'anything_else':
      return 'Is there anything else I can help you with?';
    case 'offer_booking':
      return 'Would you like me to book an appointment?';
    case 'offer_transfer':
      return 'Would you like me to transfer you to our staff?';
  }
}

/** The same question, with an example where one helps. */
export function retryText(state: DialogState, question: Question): string {
  switch (question) {
    case 'name':
      return "Could you tell me the patient's first and last name?";
    case 'dob':
      return "What is the patient's date of birth? For example, March fifth, nineteen eighty four.";
    case 'date':
      return 'What day would you like? For example, tomorrow, next Tuesday, or March fifth.';
    case 'time':
      return state.offered.length > 0 ? questionText(state, 'time') : 'What time would you like? For example, ten AM or two thirty PM.';
    case 'confirm':
      return `${readBack(state.task!)} Please say yes or no.`;
    default:
      return questionText(state, question);
  }
}

function readBack(task: Task): string {
  const { patient, wanted } = task;
  const wantedWhen = (): string => spokenSlot({ date: wanted.date!, time: wanted.time });
  switch (task.kind) {
    case 'book':
      return `So that's ${patient.name}, born ${spokenDate(patient.dob!, 'birth')}, on ${wantedWhen()}. Shall I book it?`;
    case 'reschedule':
      return `So I'll move ${patient.name}'s appointment from ${spokenSlot(chosen(task.existing))} to ${wantedWhen()}. Is that right?`;
    case 'cancel': {
      const existing = chosen(task.existing);
      return existing.lookedUp
        ? `I see ${patient.name}'s appointment on ${spokenSlot(existing)}. Shall I cancel it?`
        : `So I'll cancel ${patient.name}'s appointment on ${spokenSlot(existing)}. Is that right?`;
    }
    case 'lookup':
      throw new Error('a lookup has nothing to read back');
  }
}

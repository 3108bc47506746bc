// The dashboard page: loads the calls, follows the live feed, shows the selected call, and runs the
// softphone.
import type { CallEvent, StaffMessage } from '../../domain/call.js';
import type { CallDetail, CallPage } from '../../store/types.js';
import { Calls } from './calls.js';
import { byId, h } from './dom.js';
import { renderCallDetail, renderCallList, renderMessages } from './render.js';
import { Softphone, type SoftphoneState } from './softphone.js';
import { errorMessage } from '../../observability/error-message.js';

const calls = new Calls();
let selected: string | undefined = new URLSearchParams(location.hash.slice(1)).get('call') ?? undefined;
/** The user picked a call: then new calls do not take over the detail view. */
let pinned = selected !== undefined;

const list = byId<HTMLUListElement>('call-list');
const messageList = byId<HTMLUListElement>('message-list');
/** Messages for staff, newest first. */
let messages: StaffMessage[] = [];
const detail = byId<HTMLElement>('call-detail');
const feedStatus = byId<HTMLElement>('feed-status');
const announcer = byId<HTMLElement>('announcer');

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  // The session's cookie is gone or wrong: the page itself shows the sign-in form.
  if (response.status === 401) location.reload();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

function render(): void {
  // Live updates redraw the list: a keyboard user keeps their place on the call they were on.
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.callSid : undefined;
  renderCallList(list, calls.list(), selected, (callSid) => void select(callSid, true));
  renderCallDetail(detail, selected ? calls.get(selected) : undefined);
  renderMessages(messageList, messages, (callSid) => void select(callSid, true));
  if (focused) list.querySelector<HTMLElement>(`[data-call-sid="${CSS.escape(focused)}"]`)?.focus();
}

/** Screen readers hear each new turn of the call on screen, without the whole transcript again. */
function announce(event: CallEvent): void {
  if (event.type !== 'turn' || event.callSid !== selected) return;
  announcer.textContent = `${event.turn.role === 'user' ? 'Caller' : 'Agent'}: ${event.turn.text}`;
}

async function select(callSid: string, byUser: boolean): Promise<void> {
  selected = callSid;
  if (byUser) {
    pinned = true;
    history.replaceState(null, '', `#call=${encodeURIComponent(callSid)}`);
  }
  render();
  if (byUser) detail.focus();
  if (!calls.get(callSid)?.complete) {
    try {
      calls.addDetail(await getJson<CallDetail>(`/api/calls/${encodeURIComponent(callSid)}`));
    } catch (err) {
      console.warn(err);
    }
    render();
  }
}

function follow(): void {
  const source = new EventSource('/api/live');
  let interrupted = false;
  source.onopen = () => {
    setFeedStatus('live', 'Live');
    if (!interrupted) return;
    interrupted = false;
    calls.forgetCallsInProgress();
    void loadCalls().catch(showLoadError);
  };
  source.onerror = () => {
    interrupted = true;
    setFeedStatus('offline', 'Live feed interrupted, reconnecting…');
  };
  source.onmessage = (message: MessageEvent<string>) => {
    const event = JSON.parse(message.data) as CallEvent;
    const view = calls.apply(event);
    if (event.type === 'staff_message') messages = [event.message, ...messages];
    if (event.type === 'call_started' && (!pinned || selected === undefined)) selected = event.call.callSid;
    if (view || event.type === 'staff_message') {
      render();
      announce(event);
    }
  };
}

function setFeedStatus(state: string, text: string): void {
  feedStatus.dataset.state = state;
  feedStatus.textContent = text;
}

function setUpSoftphone(): void {
  const section = byId<HTMLElement>('softphone');
  const callButton = byId<HTMLButtonElement>('call-button');
  const hangUpButton = byId<HTMLButtonElement>('hangup-button');
  const status = byId<HTMLElement>('softphone-status');
  const counters = byId<HTMLOutputElement>('softphone-counters');
  const meter = byId<HTMLMeterElement>('mic-level');
  let phone: Softphone | undefined;
  let ticker: number | undefined;

  const showCounters = () => {
    if (!phone) return;
    section.dataset.playedSamples = String(Math.round(phone.playedSamples));
    section.dataset.sentSamples = String(Math.round(phone.sentSamples));
    counters.value = `Heard ${(phone.playedSamples / 8000).toFixed(1)} s · sent ${(phone.sentSamples / 8000).toFixed(1)} s`;
  };
  const describe: Record<SoftphoneState, string> = { idle: 'Ready.', connecting: 'Calling…', 'in-call': 'In call. Speak now.', ended: 'Call ended' };
  const onState = (state: SoftphoneState, reason?: string) => {
    section.dataset.state = state;
    status.textContent = reason && state === 'ended' ? `${describe[state]}: ${reason}.` : describe[state];
    callButton.disabled = state === 'connecting' || state === 'in-call';
    hangUpButton.disabled = state !== 'in-call';
    if (state === 'in-call' && phone) {
      pinned = false;
      selected = phone.callSid;
      render();
      hangUpButton.focus();
    }
    if (state === 'ended') {
      clearInterval(ticker);
      showCounters();
      meter.value = 0;
      callButton.focus();
    }
  };

  callButton.addEventListener('click', () => {
    phone = new Softphone({ state: onState, level: (rms) => (meter.value = Math.min(1, rms * 4)) });
    ticker = window.setInterval(showCounters, 250);
    phone.start().catch((err: unknown) => console.warn('softphone:', err));
  });
  hangUpButton.addEventListener('click', () => void phone?.hangUp());
  // Browsers grant the microphone only to secure pages: https, or this machine.
  if (!window.isSecureContext || !navigator.mediaDevices) {
    status.textContent = 'The softphone needs the microphone, which browsers allow only over https or on localhost.';
    return;
  }
  callButton.disabled = false;
  status.textContent = describe.idle;
}

function showLoadError(err: unknown): void {
  list.replaceChildren(h('li', { class: 'empty' }, `Could not load calls: ${errorMessage(err)}`));
}

async function loadCalls(): Promise<void> {
  const page = await getJson<CallPage>('/api/calls?limit=50');
  for (const record of page.calls) calls.addRecord(record);
  selected ??= calls.list()[0]?.info.callSid;
  if (selected) await select(selected, false);
  else render();
}

/** The inbox apart from the calls: without it the calls still show. */
async function loadMessages(): Promise<void> {
  messages = (await getJson<{ messages: StaffMessage[] }>('/api/messages?limit=20')).messages;
  render();
}

setUpSoftphone();
follow();
loadMessages().catch((err: unknown) => console.warn('messages:', err));
window.addEventListener('resize', render);
loadCalls().catch(showLoadError);

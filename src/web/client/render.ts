// The dashboard's two views: the list of calls and one call in detail (metadata, latency chart and
// the conversation as it happens).
import { type CallView, timeline, type TimelineItem } from './calls.js';
import { h } from './dom.js';
import type { StaffMessage } from '../../domain/call.js';
import { formatDateTime, formatDuration, formatOutcome, formatParty, formatTime, formatWhen } from './format.js';
import { latencyChart, latencyValues } from './latency-chart.js';

function status(view: CallView): HTMLElement {
  if (view.endedAt === null) return h('span', { class: 'badge live' }, 'live');
  const ok = view.outcome === 'completed' || view.outcome === 'agent_hangup';
  return h('span', { class: `badge ${ok ? 'done' : 'warn'}` }, formatOutcome(view.outcome ?? 'ended'));
}

export function renderCallList(list: HTMLElement, calls: CallView[], selected: string | undefined, onSelect: (callSid: string) => void): void {
  if (calls.length === 0) {
    list.replaceChildren(h('li', { class: 'empty' }, 'No calls yet. Call the agent with the softphone, or run ', h('code', {}, 'phone-agent call'), '.'));
    return;
  }
  list.replaceChildren(
    ...calls.map((view) => {
      const { callSid, from, to, startedAt, agent } = view.info;
      const duration = view.endedAt === null ? 'in progress' : formatDuration(view.endedAt - startedAt);
      const button = h(
        'button',
        { type: 'button', class: 'call-item', 'aria-current': callSid === selected ? 'true' : undefined, 'data-call-sid': callSid },
        h('span', { class: 'parties' }, `${formatParty(from)} → ${formatParty(to)}`),
        h(
          'span',
          { class: 'when' },
          h('time', { datetime: new Date(startedAt).toISOString() }, formatWhen(startedAt)),
          ` · ${duration}${agent && agent !== 'default' ? ` · ${agent}` : ''}`,
        ),
        status(view),
      );
      button.addEventListener('click', () => onSelect(callSid));
      return h('li', {}, button);
    }),
  );
}

/** What callers asked to pass on when nobody answered a transfer, newest first; each opens its call. */
export function renderMessages(list: HTMLElement, messages: readonly StaffMessage[], onSelect: (callSid: string) => void): void {
  if (messages.length === 0) {
    list.replaceChildren(h('li', { class: 'empty' }, 'No messages.'));
    return;
  }
  list.replaceChildren(
    ...messages.map((message) => {
      const button = h(
        'button',
        { type: 'button', class: 'call-item' },
        h('span', { class: 'parties' }, formatParty(message.from)),
        h('span', { class: 'when' }, h('time', { datetime: new Date(message.createdAt).toISOString() }, formatWhen(message.createdAt))),
        h('q', {}, message.text),
      );
      button.addEventListener('click', () => onSelect(message.callSid));
      return h('li', {}, button);
    }),
  );
}

export function renderCallDetail(container: HTMLElement, view: CallView | undefined): void {
  if (!view) {
    container.replaceChildren(
      h('h2', { id: 'detail-heading' }, 'Call details'),
      h('p', { class: 'empty' }, 'Choose a call to see its transcript and latency.'),
    );
    return;
  }
  const values = latencyValues(view.latencies);
  const average = values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
  container.replaceChildren(
    h('h2', { id: 'detail-heading' }, `Call from ${formatParty(view.info.from)} `, status(view)),
    metadata(view),
    h(
      'figure',
      { class: 'latency' },
      h(
        'figcaption',
        { id: 'latency-title' },
        'Response latency per turn',
        h('span', { class: 'muted' }, ` · end of caller speech to first agent audio${average === undefined ? '' : ` · average ${formatDuration(average)}`}`),
      ),
      // The card's padding is about 3rem: draw the chart at the width it gets.
      latencyChart(view.latencies, 'latency-title', container.clientWidth - 48),
    ),
    h('h3', { id: 'transcript-heading' }, 'Transcript'),
    conversation(view),
  );
}

function metadata(view: CallView): HTMLElement {
  const { info, summary } = view;
  const rows: Array<[string, string]> = [
    ['Call SID', info.callSid],
    ['From', formatParty(info.from)],
    ['To', formatParty(info.to)],
    ['Carrier', info.carrier],
    ['Direction', info.direction],
    ['Agent', info.agent ?? 'default'],
    ['Started', formatDateTime(info.startedAt)],
    ['Duration', view.endedAt === null ? 'in progress' : formatDuration(view.endedAt - info.startedAt)],
  ];
  if (view.outcome) rows.push(['Outcome', formatOutcome(view.outcome)]);
  if (summary) {
    rows.push(['Turns', String(summary.turns)], ['Interruptions', String(summary.interruptions)], ['Function calls', String(summary.functionCalls)]);
  }
  return h(
    'dl',
    { class: 'metadata' },
    ...rows.map(([term, value]) => h('div', { class: term === 'Call SID' ? 'wide' : undefined }, h('dt', {}, term), h('dd', {}, value))),
  );
}

function conversation(view: CallView): HTMLElement {
  const items = timeline(view);
  const list = h('ol', { class: 'transcript', 'aria-labelledby': 'transcript-heading' });
  if (items.length === 0) list.append(h('li', { class: 'empty' }, view.complete ? 'Nothing said yet.' : 'Loading…'));
  for (const item of items) list.append(timelineEntry(item));
  return list;
}

function timelineEntry(item: TimelineItem): HTMLElement {
  const when = h('time', { datetime: new Date(item.at).toISOString() }, formatTime(item.at));
  switch (item.kind) {
    case 'turn': {
      const { role, text, interrupted, heardText } = item.turn;
      const who = role === 'user' ? 'Caller' : 'Agent';
      return h(
        'li',
        { class: `turn ${role}${interrupted ? ' interrupted' : ''}` },
        h('p', { class: 'who' }, who, ' ', when),
        h('p', { class: 'text' }, text),
        interrupted && role === 'assistant'
          ? h('p', { class: 'interruption' }, h('strong', {}, 'Interrupted.'), ' The caller heard: ', h('q', {}, heardText?.trim() || 'nothing'))
          : null,
      );
    }
    case 'function_call': {
      const { name, arguments: args, result, ok, durationMs } = item.call;
      return h(
        'li',
        { class: `function-call${ok ? '' : ' failed'}` },
        h('p', { class: 'who' }, 'Function ', h('code', {}, name), ` · ${formatDuration(durationMs)}${ok ? '' : ' · failed'} `, when),
        h(
          'dl',
          { class: 'io' },
          h('dt', {}, 'Arguments'),
          h('dd', {}, h('pre', {}, readableJson(args))),
          h('dt', {}, 'Result'),
          h('dd', {}, h('pre', {}, readableJson(result))),
        ),
      );
    }
    case 'message':
      return h('li', { class: 'note message' }, h('p', {}, h('strong', {}, 'Message for staff'), ' ', h('q', {}, item.message.text), ' ', when));
    case 'event':
      return h('li', { class: `note ${item.event.kind}` }, h('p', {}, h('strong', {}, formatOutcome(item.event.kind)), ` ${item.event.detail} `, when));
  }
}

/** JSON laid out for reading: one member per line, but short lists and small flat objects on one line. */
function readableJson(text: string): string {
  try {
    return layOut(JSON.parse(text), '');
  } catch {
    return text;
  }
}

function layOut(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  const flat = Object.values(value).every((v) => v === null || typeof v !== 'object');
  if (Array.isArray(value)) {
    if (flat) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    return `[\n${value.map((v) => inner + layOut(v, inner)).join(',\n')}\n${indent}]`;
  }
  const members = Object.entries(value).map(([key, v]) => `${JSON.stringify(key)}: ${layOut(v, inner)}`);
  if (members.length === 0) return '{}';
  const oneLine = `{ ${members.join(', ')} }`;
  if (flat && oneLine.length <= 60) return oneLine;
  return `{\n${members.map((m) => inner + m).join(',\n')}\n${indent}}`;
}

// Per-turn response latency as an inline SVG bar chart: one bar per agent reply, the time from the end
// of the caller's speech to the agent's first audio. The agent's own figure when it reports one (it
// knows when the caller stopped speaking), else the bridge's (from the caller's final transcript).
// Read by screen readers as a list of the values; each bar's tooltip breaks its figure down.
import type { TurnLatency } from '../../domain/call.js';
import { svg } from './dom.js';

/** Drawn at the width it is shown at (within limits), so that its text stays legible on a phone. */
const MIN_WIDTH = 300;
const MAX_WIDTH = 720;
const HEIGHT = 200;
const MARGIN = { top: 16, right: 12, bottom: 28, left: 52 };

/** A round axis maximum above `value`: 500, 1000, 2000, 2500, 5000 ... */
function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function turnLatency(l: TurnLatency): number | undefined {
  const value = l.agentTotalMs ?? l.responseMs;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function latencyValues(latencies: TurnLatency[]): number[] {
  return latencies.map(turnLatency).filter((v) => v !== undefined);
}

function breakdown(l: TurnLatency): string {
  const parts = [
    l.agentTttMs !== undefined && `thinking ${Math.round(l.agentTttMs)} ms`,
    l.agentTtsMs !== undefined && `speech synthesis ${Math.round(l.agentTtsMs)} ms`,
    l.responseMs !== undefined && `bridge ${Math.round(l.responseMs)} ms`,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function latencyChart(latencies: TurnLatency[], titleId: string, availableWidth: number): SVGSVGElement {
  const WIDTH = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, availableWidth)));
  const turns = latencies.filter((l) => turnLatency(l) !== undefined);
  const values = turns.map((l) => turnLatency(l)!);
  const max = niceCeiling(Math.max(...values, 100));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (ms: number) => MARGIN.top + plotHeight * (1 - ms / max);
  const slot = plotWidth / Math.max(values.length, 1);
  const barWidth = Math.min(48, slot * 0.6);

  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${titleId} ${titleId}-desc`, class: 'latency-chart' });
  chart.append(
    svg('desc', { id: `${titleId}-desc` }, values.length === 0 ? 'No replies yet.' : values.map((v, i) => `Turn ${i + 1}: ${Math.round(v)} ms`).join('; ')),
  );
  for (const tick of [0, 0.25, 0.5, 0.75, 1].map((f) => f * max)) {
    chart.append(
      svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(tick), y2: y(tick), class: tick === 0 ? 'axis' : 'grid' }),
      svg('text', { x: MARGIN.left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'tick' }, `${Math.round(tick)} ms`),
    );
  }
  values.forEach((value, i) => {
    const x = MARGIN.left + slot * i + (slot - barWidth) / 2;
    chart.append(
      svg(
        'rect',
        { x, y: y(value), width: barWidth, height: Math.max(1, y(0) - y(value)), rx: 3, class: 'bar' },
        svg('title', {}, `Turn ${i + 1}: ${Math.round(value)} ms${breakdown(turns[i]!)}`),
      ),
      svg('text', { x: x + barWidth / 2, y: y(value) - 4, 'text-anchor': 'middle', class: 'value' }, Math.round(value)),
      svg('text', { x: x + barWidth / 2, y: HEIGHT - MARGIN.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, i + 1),
    );
  });
  return chart;
}

// Grouped bar charts as plain SVG text, no library: one group per x label, one bar per series.

export interface BarGroup {
  label: string;
  values: number[];
}

export interface BarChart {
  title: string;
  unit: string;
  series: string[];
  groups: BarGroup[];
  /** Latencies span microseconds to seconds under overload: a log axis keeps both readable. */
  log?: boolean;
  /** A target line across the chart, e.g. 5 ms. */
  target?: { value: number; label: string };
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1'];
const WIDTH = 720;
const HEIGHT = 360;
const PLOT = { left: 70, right: 20, top: 50, bottom: 70 };

export function barChartSvg(chart: BarChart): string {
  const values = chart.groups.flatMap((g) => g.values).filter((v) => Number.isFinite(v));
  const top = Math.max(...values, chart.target?.value ?? 0) * 1.15 || 1;
  const floor = chart.log ? Math.min(...values.filter((v) => v > 0), chart.target?.value ?? Infinity) / 2 : 0;
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const y = (v: number) => {
    const f = chart.log ? (Math.log10(Math.max(v, floor)) - Math.log10(floor)) / (Math.log10(top) - Math.log10(floor)) : v / top;
    return PLOT.top + plotH * (1 - f);
  };
  const groupW = plotW / chart.groups.length;
  const barW = (groupW * 0.8) / chart.series.length;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(chart.title)}</text>`,
  ];
  for (const tick of ticks(floor, top, chart.log ?? false)) {
    parts.push(`<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`);
    parts.push(`<text x="${PLOT.left - 6}" y="${y(tick) + 4}" text-anchor="end">${formatNumber(tick)}</text>`);
  }
  const unit = `${escape(chart.unit)}${chart.log ? ' (log scale)' : ''}`;
  parts.push(`<text transform="translate(16 ${PLOT.top + plotH / 2}) rotate(-90)" text-anchor="middle">${unit}</text>`);
  chart.groups.forEach((group, gi) => {
    const x0 = PLOT.left + gi * groupW + groupW * 0.1;
    group.values.forEach((v, si) => {
      const x = x0 + si * barW;
      const title = `<title>${escape(`${chart.series[si]}: ${v}`)}</title>`;
      parts.push(`<rect x="${x}" y="${y(v)}" width="${barW - 2}" height="${PLOT.top + plotH - y(v)}" fill="${COLORS[si % COLORS.length]}">${title}</rect>`);
      parts.push(`<text x="${x + barW / 2}" y="${y(v) - 3}" text-anchor="middle" font-size="9">${formatNumber(v)}</text>`);
    });
    parts.push(`<text x="${x0 + groupW * 0.4}" y="${PLOT.top + plotH + 16}" text-anchor="middle">${escape(group.label)}</text>`);
  });
  if (chart.target) {
    const ty = y(chart.target.value);
    parts.push(`<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${ty}" y2="${ty}" stroke="#c00" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${WIDTH - PLOT.right}" y="${ty - 4}" text-anchor="end" fill="#c00">${escape(chart.target.label)}</text>`);
  }
  chart.series.forEach((s, si) => {
    const x = PLOT.left + si * 150;
    const ly = HEIGHT - 22;
    parts.push(`<rect x="${x}" y="${ly - 10}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/><text x="${x + 16}" y="${ly}">${escape(s)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function ticks(floor: number, top: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let p = Math.ceil(Math.log10(floor)); 10 ** p <= top; p++) out.push(10 ** p);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10(top / 2));
  return Array.from({ length: Math.floor(top / step) + 1 }, (_, i) => i * step);
}

function formatNumber(v: number): string {
  if (v >= 100) return String(Math.round(v));
  if (v >= 1) return String(Math.round(v * 10) / 10);
  return String(Math.round(v * 1000) / 1000);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

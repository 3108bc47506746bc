// `phone-agent bench --compare relay`: phone-agent and the bare relay (bare-relay.ts) under the same
// load, side by side, with the ratios that say what phone-agent's features cost over the least any
// bridge must do.
import type { AddedLatency, BenchServer, BridgeBenchFigures, BridgeBenchResult } from './bridge-bench.js';

export interface RelayComparison {
  /** One run's full result; over several runs, each figure's median (failed and frames_lost: the worst run's). */
  phone_agent: BridgeBenchFigures;
  relay: BridgeBenchFigures;
  /** phone-agent's figure over the relay's; null where the relay's is 0 (no ratio to give). */
  ratio: { cpu_per_call: number | null; inbound_p99: number | null; outbound_p99: number | null };
  /** Every run's full result, when there was more than one of each. */
  runs?: { phone_agent: BridgeBenchResult[]; relay: BridgeBenchResult[] };
}

/** The order to run the servers in: alternating, so that drift in the machine's load falls on both alike. */
export function comparisonSeries(repeat: number): BenchServer[] {
  return Array.from({ length: repeat }, () => ['phone-agent', 'relay'] as const).flat();
}

/** Pairs up the results of a comparisonSeries run, in that order. */
export function compareWithRelay(results: BridgeBenchResult[]): RelayComparison {
  const phoneAgentRuns = results.filter((_, i) => i % 2 === 0);
  const relayRuns = results.filter((_, i) => i % 2 === 1);
  const phoneAgent = typical(phoneAgentRuns);
  const relay = typical(relayRuns);
  return {
    phone_agent: phoneAgent,
    relay,
    ratio: {
      cpu_per_call: ratio(cpuPerCall(phoneAgent), cpuPerCall(relay)),
      inbound_p99: ratio(phoneAgent.inbound_added_latency_ms.p99, relay.inbound_added_latency_ms.p99),
      outbound_p99: ratio(phoneAgent.outbound_added_latency_ms.p99, relay.outbound_added_latency_ms.p99),
    },
    ...(results.length > 2 && { runs: { phone_agent: phoneAgentRuns, relay: relayRuns } }),
  };
}

export function comparisonFailed(c: RelayComparison): boolean {
  return c.phone_agent.failed !== 0 || c.relay.failed !== 0;
}

/** The comparison as a table for a terminal. */
export function formatComparison(c: RelayComparison, durationS: number, repeat: number): string {
  const pa = c.phone_agent;
  const relay = c.relay;
  const rows: Array<[string, string, string, string]> = [
    ['', 'phone-agent', 'relay', 'phone-agent/relay'],
    ['calls completed', `${pa.completed}/${pa.calls}`, `${relay.completed}/${relay.calls}`, ''],
    ['frames sent', String(pa.frames_sent), String(relay.frames_sent), ''],
    ['frames lost', String(pa.frames_lost), String(relay.frames_lost), ''],
    ['server CPU %', pa.server_cpu_percent.toFixed(1), relay.server_cpu_percent.toFixed(1), ''],
    ['CPU % per call', cpuPerCall(pa).toFixed(3), cpuPerCall(relay).toFixed(3), ratioText(c.ratio.cpu_per_call)],
    ['server RSS MB', pa.server_rss_mb.toFixed(1), relay.server_rss_mb.toFixed(1), ''],
    ['RSS MB per call', pa.rss_mb_per_call.toFixed(3), relay.rss_mb_per_call.toFixed(3), ''],
    ...latencyRows('inbound', pa.inbound_added_latency_ms, relay.inbound_added_latency_ms, c.ratio.inbound_p99),
    ...latencyRows('outbound', pa.outbound_added_latency_ms, relay.outbound_added_latency_ms, c.ratio.outbound_p99),
  ];
  const widths = [0, 1, 2, 3].map((col) => Math.max(...rows.map((r) => r[col]!.length)));
  const lines = rows.map((r) => [r[0].padEnd(widths[0]!), ...r.slice(1).map((cell, i) => cell.padStart(widths[i + 1]!))].join('  ').trimEnd());
  const title =
    `phone-agent vs the bare relay: ${pa.calls} calls, ${durationS} s measured` +
    (repeat > 1 ? `, medians of ${repeat} runs each (failed and frames lost: the worst run)` : '');
  return `${title}\n${lines.join('\n')}\n`;
}

function latencyRows(way: string, pa: AddedLatency, relay: AddedLatency, p99Ratio: number | null): Array<[string, string, string, string]> {
  return [
    [`${way} added p50 ms`, pa.p50.toFixed(3), relay.p50.toFixed(3), ''],
    [`${way} added p99 ms`, pa.p99.toFixed(3), relay.p99.toFixed(3), ratioText(p99Ratio)],
    [`${way} added max ms`, pa.max.toFixed(3), relay.max.toFixed(3), ''],
  ];
}

/** A lone run as it is; several runs as one set of figures, typical (median) but never hiding a failure. */
function typical(runs: BridgeBenchResult[]): BridgeBenchFigures {
  if (runs.length === 1) return runs[0]!;
  const of = (f: (r: BridgeBenchFigures) => number) => median(runs.map(f));
  const latency = (f: (r: BridgeBenchFigures) => AddedLatency): AddedLatency => ({
    p50: of((r) => f(r).p50),
    p99: of((r) => f(r).p99),
    max: of((r) => f(r).max),
  });
  return {
    calls: runs[0]!.calls,
    completed: Math.min(...runs.map((r) => r.completed)),
    failed: Math.max(...runs.map((r) => r.failed)),
    frames_sent: of((r) => r.frames_sent),
    frames_lost: Math.max(...runs.map((r) => r.frames_lost)),
    inbound_added_latency_ms: latency((r) => r.inbound_added_latency_ms),
    outbound_added_latency_ms: latency((r) => r.outbound_added_latency_ms),
    server_cpu_percent: of((r) => r.server_cpu_percent),
    server_rss_mb: of((r) => r.server_rss_mb),
    rss_mb_per_call: of((r) => r.rss_mb_per_call),
  };
}

function cpuPerCall(figures: BridgeBenchFigures): number {
  return figures.server_cpu_percent / figures.calls;
}

function ratio(phoneAgent: number, relay: number): number | null {
  return relay > 0 ? Math.round((phoneAgent / relay) * 100) / 100 : null;
}

function ratioText(r: number | null): string {
  return r === null ? 'n/a (relay 0)' : `${r.toFixed(2)}x`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const m = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(m * 1000) / 1000;
}

// The server's own account of a bench run, read from its /metrics after the calls: what it says it
// dropped or could not parse (both should be 0 when the bench lost nothing), how long its event loop
// stalled, and what writing call records to the store cost while it carried the audio.

export interface ServerView {
  calls_ended: number;
  frames_in: number;
  frames_out: number;
  frames_dropped: Record<string, number>;
  malformed_messages: number;
  /** Event-loop delay p99 since the server started (the gauge resets on scrape, and nothing else scraped it). */
  event_loop_lag_p99_ms: number;
  store_batches: number;
  store_write_mean_ms: number;
  /** The upper bound of the histogram bucket holding the 99th percentile batch write. */
  store_write_p99_ms_at_most: number | null;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition: `name{label="value",...} number` lines; comments and blank lines skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export function serverView(metricsText: string): ServerView {
  const samples = parsePrometheusText(metricsText);
  const total = (name: string) => samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
  const dropped: Record<string, number> = {};
  for (const s of samples) if (s.name === 'phone_agent_frames_dropped_total') dropped[s.labels.reason ?? ''] = s.value;
  const batches = total('phone_agent_store_write_seconds_count');
  const buckets = samples
    .filter((s) => s.name === 'phone_agent_store_write_seconds_bucket')
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
  const p99Bucket = buckets.find((b) => b.count >= 0.99 * batches);
  return {
    calls_ended: total('phone_agent_calls_total'),
    frames_in: total('phone_agent_frames_in_total'),
    frames_out: total('phone_agent_frames_out_total'),
    frames_dropped: dropped,
    malformed_messages: total('phone_agent_malformed_messages_total'),
    event_loop_lag_p99_ms: round(total('phone_agent_event_loop_lag_seconds') * 1000),
    store_batches: batches,
    store_write_mean_ms: batches > 0 ? round((total('phone_agent_store_write_seconds_sum') / batches) * 1000) : 0,
    store_write_p99_ms_at_most: batches > 0 && p99Bucket && Number.isFinite(p99Bucket.le) ? round(p99Bucket.le * 1000) : null,
  };
}

/** The server's view over HTTP. */
export async function fetchServerView(baseUrl: string): Promise<ServerView> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return serverView(await response.text());
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

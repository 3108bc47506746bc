// Summaries of V8's own profiles, small enough to read and to commit: where the server's CPU time
// went (a .cpuprofile from --cpu-prof) and what its heap holds (a .heapsnapshot).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  function: string;
  where: string;
  self_percent: number;
}

/** Self time per function, as a share of every sample (idle and GC included, as V8 labels them). */
export function cpuHotspots(file: string, top = 30): { total_ms: number; by_function: Hotspot[]; by_file: Array<{ file: string; self_percent: number }> } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, { fn: string; where: string; us: number }>();
  const byFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const frame = nodes.get(id)!.callFrame;
    const where = `${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName}@${where}`;
    const entry = byFunction.get(key) ?? { fn: frame.functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const fileKey = shortUrl(frame.url) || frame.functionName;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  });
  const pct = (us: number) => Math.round((us / total) * 1000) / 10;
  return {
    total_ms: Math.round(total / 1000),
    by_function: [...byFunction.values()].sort((a, b) => b.us - a.us).slice(0, top).map((e) => ({ function: e.fn, where: e.where, self_percent: pct(e.us) })),
    by_file: [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([f, us]) => ({ file: f, self_percent: pct(us) })),
  };
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/').replace(/^node:/, 'node:');
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Shallow size and count per constructor (or V8 type), biggest first. */
export function heapByConstructor(file: string, top = 30): { total_mb: number; by_constructor: Array<{ name: string; count: number; self_mb: number }> } {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const groups = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const name = type === 'object' || type === 'native' ? snapshot.strings[snapshot.nodes[i + nameAt]!]! : `(${type})`;
    const bytes = snapshot.nodes[i + sizeAt]!;
    total += bytes;
    const g = groups.get(name) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += bytes;
    groups.set(name, g);
  }
  const mb = (b: number) => Math.round((b / 2 ** 20) * 100) / 100;
  return {
    total_mb: mb(total),
    by_constructor: [...groups.entries()]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, top)
      .map(([name, g]) => ({ name, count: g.count, self_mb: mb(g.bytes) })),
  };
}

// How long the server's event loop stalls for each sentence the embedded engine speaks. Each sentence is
// one run of Debian's flite; starting a program from a large process blocks that process's loop while the
// kernel copies its page tables, so the engine starts flite from a small helper process instead
// (src/engine/speak/flite-process.ts). This measures a process of the engine's size under load (memory
// held to reach each size), speaking sentences one after another, with the helper and, for comparison,
// with flite started directly from the measured process.
//   node dist/bench/tts-stall.js [--sizes 0,500,1000] [--sentences 20]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { synthesizeSpeech } from '../src/engine/speak/flite.js';
import { log, writeResults } from './lib/results.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '0,500,1000' }, sentences: { type: 'string', default: '20' } } });
const sentences = Number(values.sentences);
const held: Buffer[] = [];

/** The direct way, for comparison: flite started by this process. */
async function speakDirectly(text: string): Promise<void> {
  const child = spawn('flite', ['-voice', 'kal', '-t', text, '-o', '/dev/null'], { stdio: 'ignore' });
  await once(child, 'close');
}

async function measure(speak: (text: string) => Promise<unknown>) {
  await speak('warm up');
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const started = performance.now();
  for (let i = 0; i < sentences; i++) await speak(`Our hours are Monday to Friday, eight AM to five PM. Sentence ${i}.`);
  delay.disable();
  return {
    ms_per_sentence: Math.round(((performance.now() - started) / sentences) * 10) / 10,
    loop_stall_max_ms: Math.round((delay.max / 1e6) * 10) / 10,
    loop_stall_p99_ms: Math.round((delay.percentile(99) / 1e6) * 10) / 10,
  };
}

const runs = [];
for (const size of values.sizes.split(',').map(Number)) {
  while (held.length < size) held.push(Buffer.alloc(1 << 20, 1));
  const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  const run = { rss_mb: rssMb, helper: await measure((t) => synthesizeSpeech(t)), direct: await measure(speakDirectly) };
  log(JSON.stringify(run));
  runs.push(run);
}
log(`wrote ${writeResults('tts-stall', `node dist/bench/tts-stall.js --sizes ${values.sizes} --sentences ${sentences}`, { sentences, runs })}`);

// The softphone's audio-thread halves, loaded with audioWorklet.addModule(). Capture hands microphone
// samples to the page in ~20 ms batches; playback is Twilio's playout buffer in miniature: agent audio
// and marks in one queue, each mark reported when the audio before it has played, `clear` dropping
// the audio and reporting the marks still pending (as Twilio does).

// The AudioWorkletGlobalScope, which TypeScript's DOM library does not describe.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(
  name: string,
  processor: new () => AudioWorkletProcessor & { process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean },
): void;

export type PlaybackCommand = { type: 'audio'; samples: Float32Array } | { type: 'mark'; name: string } | { type: 'clear' };
export type PlaybackReport = { type: 'mark'; name: string } | { type: 'played'; frames: number };

class CaptureProcessor extends AudioWorkletProcessor {
  readonly #batch = new Float32Array(Math.round(sampleRate / 50));
  #filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; ) {
      const take = Math.min(channel.length - i, this.#batch.length - this.#filled);
      this.#batch.set(channel.subarray(i, i + take), this.#filled);
      this.#filled += take;
      i += take;
      if (this.#filled === this.#batch.length) {
        this.port.postMessage(this.#batch.slice());
        this.#filled = 0;
      }
    }
    return true;
  }
}

type Queued = { kind: 'audio'; samples: Float32Array; offset: number } | { kind: 'mark'; name: string };

class PlaybackProcessor extends AudioWorkletProcessor {
  #queue: Queued[] = [];
  #playedSinceReport = 0;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<PlaybackCommand>) => {
      const command = event.data;
      if (command.type === 'audio') this.#queue.push({ kind: 'audio', samples: command.samples, offset: 0 });
      else if (command.type === 'mark') this.#queue.push({ kind: 'mark', name: command.name });
      else {
        const pending = this.#queue.filter((q): q is Extract<Queued, { kind: 'mark' }> => q.kind === 'mark');
        this.#queue = [];
        for (const mark of pending) this.#report({ type: 'mark', name: mark.name });
      }
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (!out) return true;
    let written = 0;
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.kind === 'mark') {
        this.#queue.shift();
        this.#report({ type: 'mark', name: head.name });
        continue;
      }
      if (written === out.length) break;
      const take = Math.min(out.length - written, head.samples.length - head.offset);
      out.set(head.samples.subarray(head.offset, head.offset + take), written);
      written += take;
      head.offset += take;
      if (head.offset === head.samples.length) this.#queue.shift();
    }
    for (const channel of outputs[0]!.slice(1)) channel.set(out);
    this.#playedSinceReport += written;
    // About fifty reports a second: enough for a counter and marks, not a message per render quantum.
    if (this.#playedSinceReport > 0 && (this.#playedSinceReport >= sampleRate / 50 || written === 0)) {
      this.#report({ type: 'played', frames: this.#playedSinceReport });
      this.#playedSinceReport = 0;
    }
    return true;
  }

  #report(report: PlaybackReport): void {
    this.port.postMessage(report);
  }
}

registerProcessor('softphone-capture', CaptureProcessor);
registerProcessor('softphone-playback', PlaybackProcessor);

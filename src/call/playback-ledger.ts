// What the caller has actually heard. Twilio plays agent audio from a buffer and echoes each `mark`
// when the audio before it has played; after `clear` it echoes every pending mark at once, and those
// echoes look exactly like played ones. So marks carry a generation: a `clear` moves the pending names
// to a cleared set, their echoes are ignored, and the playback position only advances on real echoes.
//
// A mark need not follow every chunk: one per `markEveryMs` of audio (and one at the end of each reply)
// halves the messages each way when an agent sends 20 ms chunks, and what was heard between two echoes
// is estimated from real-time play since the last one either way.
//
// Positions are kept on one timeline for the whole call (ms of agent audio sent, ms confirmed played).
// An agent turn may span several replies (say, one before a function call and one after it), so a
// turn records where it started on that timeline and what was heard of it is measured from there.

const BYTES_PER_MS = 8; // mu-law, 8 kHz, one byte per sample

interface PendingMark {
  name: string;
  /** The timeline position (ms sent) at the end of the audio this mark follows. */
  endMs: number;
  /** Marks the end of a reply (sent after AgentAudioDone). */
  final: boolean;
  /** The audio since the previous mark, kept only when someone records what was played. */
  audio: Buffer[];
}

/** A mark after every this much agent audio, unless told otherwise. */
export const DEFAULT_MARK_EVERY_MS = 100;

export type MarkOutcome =
  | {
      kind: 'played';
      /** This echo ends a reply. */
      replyFinished: boolean;
      /** Nothing sent is waiting to be played any more. */
      allPlayed: boolean;
      /** The recorded chunks this echo confirms as played, in order. */
      audio: Buffer[];
    }
  | { kind: 'cleared' }
  | { kind: 'unknown' };

export interface Interruption {
  /** Audio of the interrupted turn sent to Twilio. */
  sentMs: number;
  /** Estimated audio of it the caller heard: confirmed by marks, plus real-time play since the last echo. */
  heardMs: number;
  /** Whether any audio was still waiting to be played. */
  hadUnplayedAudio: boolean;
  /** The recorded audio the caller heard since the last echo: whole chunks, then the part of the one cut off. */
  heardAudio: Buffer[];
}

export class PlaybackLedger {
  readonly #markEveryMs: number;
  #generation = 0;
  #seq = 0;
  #pending: PendingMark[] = [];
  readonly #cleared = new Set<string>();
  #sentMs = 0;
  #playedMs = 0;
  /** When playback was last known to be at #playedMs (a mark echo, or the first chunk after silence). */
  #playedAt = 0;
  #turnStartMs = 0;
  /** Audio sent since the last mark: ms of it, and the chunks when recorded. */
  #unmarkedMs = 0;
  #unmarkedAudio: Buffer[] = [];

  constructor(options: { markEveryMs?: number } = {}) {
    this.#markEveryMs = options.markEveryMs ?? DEFAULT_MARK_EVERY_MS;
  }

  /** Audio sent whose playback is not confirmed yet (marked or not). */
  get pendingMarks(): number {
    return this.#pending.length + (this.#unmarkedMs > 0 ? 1 : 0);
  }

  /** A new agent turn begins: what is heard of it is counted from here. */
  startTurn(): void {
    this.#turnStartMs = this.#sentMs;
  }

  /**
   * Record a chunk of agent audio sent to the caller; returns the name of the mark to send after it, or
   * undefined when no mark is due yet. Pass the chunk itself to get it back once it has been played
   * (for a recording of the call).
   */
  audioSent(bytes: number, now: number, audio?: Buffer): string | undefined {
    if (this.pendingMarks === 0) this.#playedAt = now;
    const ms = bytes / BYTES_PER_MS;
    this.#sentMs += ms;
    this.#unmarkedMs += ms;
    if (audio) this.#unmarkedAudio.push(audio);
    return this.#unmarkedMs >= this.#markEveryMs ? this.#push(false) : undefined;
  }

  /** A mark for the audio sent since the last one, if any (the agent went away mid-reply): undefined when there is none. */
  markSent(): string | undefined {
    return this.#unmarkedMs > 0 ? this.#push(false) : undefined;
  }

  /** The reply's last audio has been sent; returns the mark whose echo means the caller heard it all. */
  replyComplete(): string {
    return this.#push(true);
  }

  markEchoed(name: string, now: number): MarkOutcome {
    if (this.#cleared.delete(name)) return { kind: 'cleared' };
    const index = this.#pending.findIndex((m) => m.name === name);
    if (index < 0) return { kind: 'unknown' };
    const mark = this.#pending[index]!;
    // Playback is in order: an echo confirms every mark before it too.
    const played = this.#pending.splice(0, index + 1);
    this.#playedMs = mark.endMs;
    this.#playedAt = now;
    return {
      kind: 'played',
      replyFinished: mark.final,
      allPlayed: this.pendingMarks === 0,
      audio: played.flatMap((m) => m.audio),
    };
  }

  /** The caller barged in and `clear` was sent: everything pending will never play. */
  interrupt(now: number): Interruption {
    const unplayed = this.#unmarkedMs > 0 || this.#pending.some((m) => !m.final);
    const sinceConfirmed = this.pendingMarks > 0 ? Math.max(0, now - this.#playedAt) : 0;
    const heardUpTo = Math.min(this.#sentMs, this.#playedMs + sinceConfirmed);
    const result = {
      sentMs: this.#sentMs - this.#turnStartMs,
      heardMs: Math.max(0, heardUpTo - this.#turnStartMs),
      hadUnplayedAudio: unplayed && this.#sentMs > heardUpTo,
      heardAudio: this.#recordedUpTo(heardUpTo),
    };
    for (const m of this.#pending) this.#cleared.add(m.name);
    this.#pending = [];
    this.#unmarkedMs = 0;
    this.#unmarkedAudio = [];
    this.#generation++;
    // What was cleared never plays: the timeline continues from what was heard.
    this.#sentMs = this.#playedMs = this.#turnStartMs = heardUpTo;
    return result;
  }

  /** The pending chunks' recorded audio from the last confirmed position up to `ms` on the timeline. */
  #recordedUpTo(ms: number): Buffer[] {
    const heard: Buffer[] = [];
    let at = this.#playedMs;
    for (const chunk of [...this.#pending.flatMap((m) => m.audio), ...this.#unmarkedAudio]) {
      if (at >= ms) break;
      const chunkMs = chunk.length / BYTES_PER_MS;
      const playedMs = Math.min(chunkMs, ms - at);
      heard.push(playedMs === chunkMs ? chunk : chunk.subarray(0, Math.round(playedMs * BYTES_PER_MS)));
      at += chunkMs;
    }
    return heard;
  }

  #push(final: boolean): string {
    const name = `g${this.#generation}.${++this.#seq}${final ? '.end' : ''}`;
    this.#pending.push({ name, endMs: this.#sentMs, final, audio: this.#unmarkedAudio });
    this.#unmarkedMs = 0;
    this.#unmarkedAudio = [];
    return name;
  }
}

// What the caller has actually heard. Twilio plays agent audio from a buffer and echoes each `mark`
// when the audio before it has played; after `clear` it echoes every pending mark at once, and those
// echoes look exactly like played ones. So marks carry a generation: a `clear` moves the pending names
// to a cleared set, their echoes are ignored, and playback position only advances on real echoes.

const BYTES_PER_MS = 8; // mu-law, 8 kHz, one byte per sample

interface PendingMark {
  name: string;
  /** Reply audio (ms) sent up to and including the chunk this mark follows. */
  endMs: number;
  /** Marks the end of a reply (sent after AgentAudioDone). */
  final: boolean;
  /** The audio this mark follows, kept only when someone records what was played. */
  audio?: Buffer;
}

export type MarkOutcome =
  | { kind: 'played'; replyFinished: boolean; audio: Buffer[] }
  | { kind: 'cleared' }
  | { kind: 'unknown' };

export interface Interruption {
  /** Audio of the interrupted reply sent to Twilio. */
  sentMs: number;
  /** Estimated audio of it the caller heard: confirmed by marks, plus real-time play since the last echo. */
  heardMs: number;
  /** Whether any of the reply's audio was still waiting to be played. */
  hadUnplayedAudio: boolean;
}

export class PlaybackLedger {
  #generation = 0;
  #seq = 0;
  #pending: PendingMark[] = [];
  readonly #cleared = new Set<string>();
  #sentMs = 0;
  #playedMs = 0;
  /** When playback was last known to be at #playedMs (a mark echo, or the first chunk of a reply). */
  #playedAt = 0;

  get pendingMarks(): number {
    return this.#pending.length;
  }

  get sentMs(): number {
    return this.#sentMs;
  }

  /**
   * Record a chunk of reply audio sent to Twilio; returns the name of the mark to send after it.
   * Pass the chunk itself to get it back once it has been played (for a recording of the call).
   */
  audioSent(bytes: number, now: number, audio?: Buffer): string {
    if (this.#pending.length === 0) this.#playedAt = now;
    this.#sentMs += bytes / BYTES_PER_MS;
    return this.#push(false, audio);
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
    // Twilio plays in order: an echo confirms every mark before it too.
    const played = this.#pending.splice(0, index + 1);
    this.#playedMs = mark.endMs;
    this.#playedAt = now;
    if (mark.final) this.#startReply();
    return { kind: 'played', replyFinished: mark.final, audio: played.flatMap((m) => (m.audio ? [m.audio] : [])) };
  }

  /** The caller barged in and `clear` was sent: everything pending will never play. */
  interrupt(now: number): Interruption {
    const hadUnplayedAudio = this.#pending.some((m) => !m.final) && this.#sentMs > this.#playedMs;
    const sinceConfirmed = this.#pending.length > 0 ? Math.max(0, now - this.#playedAt) : 0;
    const heardMs = Math.min(this.#sentMs, this.#playedMs + sinceConfirmed);
    const result = { sentMs: this.#sentMs, heardMs, hadUnplayedAudio };
    for (const m of this.#pending) this.#cleared.add(m.name);
    this.#pending = [];
    this.#generation++;
    this.#startReply();
    return result;
  }

  #push(final: boolean, audio?: Buffer): string {
    const name = `g${this.#generation}.${++this.#seq}${final ? '.end' : ''}`;
    this.#pending.push({ name, endMs: this.#sentMs, final, audio });
    return name;
  }

  #startReply(): void {
    this.#sentMs = 0;
    this.#playedMs = 0;
  }
}

// Single-use, short-lived tickets that let a browser softphone open /media-stream while signature
// checks are on (a browser cannot sign like Twilio). Kept in memory, bounded: a flood of ticket
// requests evicts the oldest tickets rather than growing the map.
import { randomBytes } from 'node:crypto';
import type { TicketBook } from '../domain/shared-state.js';

export const SOFTPHONE_TICKET_TTL_MS = 60_000;
const MAX_TICKETS = 1000;

export class SoftphoneTickets implements TicketBook {
  /** ticket -> expiry; a Map iterates in insertion order, so the first entry is the oldest. */
  readonly #tickets = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly ttlMs = SOFTPHONE_TICKET_TTL_MS,
    private readonly max = MAX_TICKETS,
  ) {}

  issue(): string {
    this.#prune();
    while (this.#tickets.size >= this.max) this.#tickets.delete(this.#tickets.keys().next().value!);
    const ticket = randomBytes(24).toString('base64url');
    this.#tickets.set(ticket, this.now() + this.ttlMs);
    return ticket;
  }

  /** True once for a ticket issued less than ttlMs ago; it is spent either way. */
  redeem(ticket: string): boolean {
    const expires = this.#tickets.get(ticket);
    this.#tickets.delete(ticket);
    return expires !== undefined && expires >= this.now();
  }

  get size(): number {
    return this.#tickets.size;
  }

  #prune(): void {
    const now = this.now();
    for (const [ticket, expires] of this.#tickets) if (expires < now) this.#tickets.delete(ticket);
  }
}

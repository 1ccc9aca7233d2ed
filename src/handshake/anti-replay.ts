/**
 * Anti-replay for TLS 1.3 0-RTT (RFC 8446 §8): single-use tickets in a bounded strike register, together with the
 * ticket-age window.
 *
 * Early data is accepted only when (1) the age the client reports for its ticket agrees with the age we know from
 * the ticket's issue time to within EARLY_DATA_AGE_WINDOW_MS (§8.3), and (2) the ticket has not been used for early
 * data within the time such a ClientHello could still pass that check: the register keeps each ticket it saw for
 * twice the window. A captured ClientHello carries a fixed obfuscated age, so once it has fallen out of the register
 * it has also fallen out of the window, and a replay never gets its early data accepted a second time.
 *
 * Memory is bounded: at most `maxEntries` tickets (default 16384, about 2 MB at worst: a 32-character key and a
 * number per entry, with the Map's overhead). When the register is full of entries still inside their time, 0-RTT
 * is refused (the client falls back to 1-RTT), never accepted unchecked. The register is per process (per server
 * context): servers that share ticket keys across machines do not share it, so 0-RTT there is only as safe as one
 * instance; see the README.
 */
export const EARLY_DATA_AGE_WINDOW_MS = 10_000;
export const DEFAULT_STRIKE_REGISTER_ENTRIES = 16384;

export class StrikeRegister {
  /** key → the time (ms) after which a ClientHello using it can no longer pass the age window. */
  private readonly seen = new Map<string, number>();

  constructor(
    readonly maxEntries = DEFAULT_STRIKE_REGISTER_ENTRIES,
    readonly windowMs = EARLY_DATA_AGE_WINDOW_MS,
  ) {}

  /**
   * Record a use of `key` at `nowMs`. True when it is the first within the time a replay could pass the age window
   * (early data may be accepted); false for a replay, or when the register is full (early data is refused).
   */
  claim(key: string, nowMs: number): boolean {
    this.expire(nowMs);
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.maxEntries) return false;
    this.seen.set(key, nowMs + 2 * this.windowMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  /** Entries go in time order (one window for all), so the expired ones are at the front. */
  private expire(nowMs: number): void {
    for (const [k, until] of this.seen) {
      if (until > nowMs) break;
      this.seen.delete(k);
    }
  }
}

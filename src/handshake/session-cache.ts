/**
 * Session caches on both sides.
 *
 * Server: session id → state, bounded in size (least recently used out) and in age. Client: server identity →
 * TlsSession, so connect() can find the session for a server by itself. Both are plain Maps underneath: a Map
 * iterates in insertion order, so deleting and re-inserting on use keeps the least recently used entry first.
 */
import { TlsError } from '../errors.js';
import { toHex } from './codec.js';
import type { ServerSessionState } from './tickets.js';
import type { TlsSession } from './session.js';

function checkSize(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new TlsError('config_invalid', `${what} must be a whole number >= 0`);
  return n;
}

/** An LRU map with a size bound; every get refreshes the entry. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(readonly maxEntries: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v === undefined) return undefined;
    this.map.delete(k);
    this.map.set(k, v);
    return v;
  }
  set(k: string, v: V): void {
    if (this.maxEntries === 0) return;
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value!);
  }
  delete(k: string): boolean {
    return this.map.delete(k);
  }
  get size(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
}

/** Server side: states of full handshakes by the session id we gave them. */
export class ServerSessionCache {
  private readonly lru: Lru<ServerSessionState>;

  constructor(
    maxEntries: number,
    /** Sessions older than this are not resumed (and are dropped when looked up). */
    readonly lifetimeMs: number,
  ) {
    this.lru = new Lru(checkSize(maxEntries, 'sessionCacheSize'));
  }

  get(id: Uint8Array, nowMs: number): ServerSessionState | undefined {
    const key = toHex(id);
    const s = this.lru.get(key);
    if (s && !withinLifetime(s.createdAt, nowMs, this.lifetimeMs)) {
      this.lru.delete(key);
      return undefined;
    }
    return s;
  }

  set(id: Uint8Array, s: ServerSessionState): void {
    if (id.length) this.lru.set(toHex(id), s);
  }

  delete(id: Uint8Array): void {
    this.lru.delete(toHex(id));
  }

  get size(): number {
    return this.lru.size;
  }

  clear(): void {
    this.lru.clear();
  }
}

/** A session made at `createdAt` may still be resumed at `nowMs` (a clock that went backwards counts as expired). */
export function withinLifetime(createdAt: number, nowMs: number, lifetimeMs: number): boolean {
  const age = nowMs - createdAt;
  return age >= 0 && age <= lifetimeMs;
}

/**
 * Client side: where connect() keeps and finds sessions, keyed by server identity (the serverName, or the
 * `sessionKey` option). A plain `Map<string, TlsSession>` fits too; createSessionStore() gives a bounded one.
 */
export interface SessionStore {
  get(key: string): TlsSession | undefined;
  set(key: string, session: TlsSession): unknown;
  delete(key: string): unknown;
  /**
   * Remove and return a session for `key` (a TLS 1.3 ticket is used once, RFC 8446 Appendix C.4). Optional: without
   * it connect() uses get() and deletes the key once it has taken a TLS 1.3 session.
   */
  take?(key: string): TlsSession | undefined;
}

/** TLS 1.3 tickets kept per server by createSessionStore() (the newest ones; OpenSSL servers send 2 per connection). */
export const TICKETS_PER_SERVER = 8;

/**
 * A bounded client session store (least recently used out). Default: 100 servers. A TLS 1.2 session replaces what
 * a server had; TLS 1.3 sessions (one per ticket) add up to TICKETS_PER_SERVER per server, and take() hands out
 * each once, newest first, so a ticket is never offered twice.
 */
export function createSessionStore(o: { maxEntries?: number } = {}): SessionStore & { readonly size: number; clear(): void } {
  const lru = new Lru<TlsSession[]>(checkSize(o.maxEntries ?? 100, 'maxEntries'));
  return {
    get: (k) => lru.get(k)?.at(-1),
    set: (k, s) => {
      const list = s.version === 0x0304 ? (lru.get(k) ?? []).filter((x) => x.version === 0x0304) : [];
      list.push(s);
      lru.set(k, list.slice(-TICKETS_PER_SERVER));
    },
    delete: (k) => lru.delete(k),
    take: (k) => {
      const list = lru.get(k);
      const s = list?.pop();
      if (list && !list.length) lru.delete(k);
      return s;
    },
    get size() {
      return lru.size;
    },
    clear: () => lru.clear(),
  };
}

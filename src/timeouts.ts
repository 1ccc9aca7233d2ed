/**
 * Timers and transport clean-up for the facades (connect, accept, wrapSocket, createServer). The engine is sans-I/O
 * and has no clock of its own: every timeout lives here and in src/connection.ts.
 */
import { TlsError } from './errors.js';
import type { ByteStream } from './transport/types.js';

/** The handshake timeout when none is given: Node's (tls.connect's and tls.createServer's handshakeTimeout). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 120_000;

/** A timeout option in milliseconds: a finite number >= 0 (0: none), or the default when undefined. */
export function timeoutOption(v: unknown, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TlsError('config_invalid', `${name} must be a number of milliseconds >= 0 (0: no limit)`);
  return v;
}

/** A timer that does not keep a Node process alive on its own (browsers return a number: nothing to do). */
export function unrefTimer(t: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (t as { unref?: () => void }).unref?.();
  return t;
}

/**
 * An AbortSignal that fires when `ms` pass (reason: an io_timeout TlsError saying what took too long) or when the
 * caller's own signal does (its reason). clear() disarms both once the guarded step is over.
 */
export class TimeoutSignal {
  private readonly ctl = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onUserAbort: () => void;

  constructor(ms: number, private readonly user: AbortSignal | undefined, what: string) {
    this.onUserAbort = () => this.ctl.abort(user!.reason);
    if (user?.aborted) this.ctl.abort(user.reason);
    else user?.addEventListener('abort', this.onUserAbort, { once: true });
    if (ms > 0 && !this.ctl.signal.aborted) {
      this.timer = unrefTimer(setTimeout(() => this.ctl.abort(new TlsError('io_timeout', `${what} took longer than ${ms} ms`)), ms));
    }
  }

  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.user?.removeEventListener('abort', this.onUserAbort);
  }
}

/**
 * Close a transport the library was handed but will not use (a configuration error before the handshake): cancel
 * its readable and abort its writable, which for a socket (nodeStream) destroys it. Never throws.
 */
export async function discardTransport(t: ByteStream, reason?: unknown): Promise<void> {
  await Promise.allSettled([
    (async () => t.readable.cancel(reason))(),
    (async () => t.writable.abort(reason))(),
  ]);
}

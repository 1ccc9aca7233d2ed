/**
 * A TLS connection (or any ByteStream) as a Node Duplex, for APIs that take a socket:
 * `https.request({ createConnection: () => toNodeDuplex(conn) })`, http.Agent, net-style libraries.
 */
import { Duplex } from 'node:stream';
import type { ByteStream } from './types.js';

/** What toNodeDuplex returns: a Duplex with the few net.Socket members http's client touches. */
export class ByteStreamDuplex extends Duplex {
  /** http checks this to decide whether to wait for 'connect'; the TLS connection is already up. */
  readonly connecting = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private reading = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private idleMs = 0;

  constructor(
    private readonly stream: ByteStream & { close?: () => Promise<void> },
  ) {
    // Half-open: the peer ending its side does not end ours (an HTTP request may still be going out).
    super({ allowHalfOpen: true });
    this.reader = stream.readable.getReader();
    this.writer = stream.writable.getWriter();
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        this.touch();
        if (done) {
          this.push(null);
          return;
        }
        if (!this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))) break;
      }
    } catch (e) {
      this.destroy(e as Error);
    } finally {
      this.reading = false;
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.touch();
    this.writer.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)).then(() => cb(), cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    // A TlsConnection's close() sends close_notify; a plain ByteStream just closes its writable.
    this.writer.releaseLock();
    const closing = this.stream.close ? this.stream.close() : this.stream.writable.close();
    closing.then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.reader.cancel(err ?? undefined).catch(() => {});
    this.writer.abort(err ?? undefined).catch(() => {});
    cb(err);
  }

  /** Like net.Socket#setTimeout: emit 'timeout' after ms of inactivity (0 turns it off). */
  setTimeout(ms: number, listener?: () => void): this {
    if (listener) this.once('timeout', listener);
    this.idleMs = ms;
    this.touch();
    return this;
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.idleMs > 0 && !this.destroyed) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
      this.idleTimer.unref?.();
    }
  }

  /** TCP options have no meaning over an arbitrary byte stream; accepted so socket users need not care. */
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

export function toNodeDuplex(stream: ByteStream & { close?: () => Promise<void> }): ByteStreamDuplex {
  return new ByteStreamDuplex(stream);
}

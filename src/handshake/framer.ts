/**
 * Handshake message framing (RFC 5246 §7.4): a 1-byte type and a 3-byte length in front of every
 * message. Records and messages are independent, so one message may span several records and one
 * record may carry several messages; the framer undoes both.
 */
import { TlsError } from '../errors.js';

export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_status: 22,
} as const;
export type HandshakeTypeName = keyof typeof HandshakeType;

const TYPE_NAMES = new Map<number, HandshakeTypeName>(
  Object.entries(HandshakeType).map(([k, v]) => [v, k as HandshakeTypeName]),
);

/** The RFC name of a handshake type ("unknown_99" for others), for messages and logs. */
export function handshakeTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `unknown_${type}`;
}

export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
  /** The 4-byte header followed by the body: what goes into the handshake transcript. */
  raw: Uint8Array;
}

export const HANDSHAKE_HEADER_BYTES = 4;

/** The 4-byte header plus body of one handshake message. */
export function encodeHandshake(type: number, body: Uint8Array): Uint8Array {
  if (body.length > 0xffffff) throw new TlsError('internal_error', `handshake body of ${body.length} bytes does not fit 24 bits`);
  const out = new Uint8Array(HANDSHAKE_HEADER_BYTES + body.length);
  out[0] = type;
  out[1] = body.length >>> 16;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, HANDSHAKE_HEADER_BYTES);
  return out;
}

/** OpenSSL's limit on a ClientHello body (ssl/statem/statem_srvr.c CLIENT_HELLO_MAX_LENGTH). */
export const MAX_CLIENT_HELLO = 131396;

export class HandshakeFramer {
  /** Bytes pushed and not yet returned by next() are buf[start, end). */
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;

  /**
   * @param maxMessageBytes largest body accepted for any message but Certificate
   * @param maxCertificateBytes largest Certificate body: chains legitimately run past 64 KiB
   * @param maxClientHelloBytes largest ClientHello body: OpenSSL's 131,396 (CLIENT_HELLO_MAX_LENGTH), so a large
   *   valid hello (thousands of extensions) that OpenSSL answers is not refused here
   */
  constructor(
    readonly maxMessageBytes = 65536,
    readonly maxCertificateBytes = 256 * 1024,
    readonly maxClientHelloBytes = MAX_CLIENT_HELLO,
  ) {}

  /** Append the payload of one handshake record (copied: the caller may reuse its buffer). */
  push(fragment: Uint8Array): void {
    if (fragment.length === 0) return;
    this.reserve(fragment.length);
    this.buf.set(fragment, this.end);
    this.end += fragment.length;
    // Check the declared length as soon as the header is complete, so a hostile peer cannot make
    // us buffer up to 16 MiB before we notice.
    this.checkHeader();
  }

  /**
   * Room for n more bytes after `end`. The buffer at least doubles when it grows, so a message sent as
   * thousands of one-byte records costs linear time, not a copy of everything so far per record.
   */
  private reserve(n: number): void {
    if (this.end + n <= this.buf.length) return;
    const live = this.buf.subarray(this.start, this.end);
    if (live.length + n <= this.buf.length) {
      this.buf.copyWithin(0, this.start, this.end);
    } else {
      const nb = new Uint8Array(Math.max(live.length + n, this.buf.length * 2));
      nb.set(live);
      this.buf = nb;
    }
    this.end = live.length;
    this.start = 0;
  }

  /** The next complete message, or null if more bytes are needed. */
  next(): HandshakeMessage | null {
    if (this.end - this.start < HANDSHAKE_HEADER_BYTES) return null;
    const total = HANDSHAKE_HEADER_BYTES + this.checkHeader();
    if (this.end - this.start < total) return null;
    // A copy of its own: messages (and certificates viewed in them) may outlive the buffer's next use.
    const raw = this.buf.slice(this.start, this.start + total);
    this.start += total;
    if (this.start === this.end) {
      // Nothing buffered: let a large buffer (a Certificate chain) go rather than keep it for the connection's life.
      this.buf = new Uint8Array(0);
      this.start = this.end = 0;
    }
    return { type: raw[0]!, body: raw.subarray(HANDSHAKE_HEADER_BYTES), raw };
  }

  /**
   * True when handshake bytes are buffered that next() has not returned (once next() gives null:
   * an unfinished message). The engine uses this to refuse other content types interleaved inside
   * a handshake message, and ChangeCipherSpec or a key change off a message boundary.
   */
  hasPartial(): boolean {
    return this.end > this.start;
  }

  /** Declared body length of the buffered head message (0 if the header is incomplete); throws over the cap. */
  private checkHeader(): number {
    if (this.end - this.start < HANDSHAKE_HEADER_BYTES) return 0;
    const b = this.buf;
    const at = this.start;
    const type = b[at]!;
    const len = (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
    const cap =
      type === HandshakeType.certificate ? this.maxCertificateBytes : type === HandshakeType.client_hello ? this.maxClientHelloBytes : this.maxMessageBytes;
    if (len > cap) {
      throw new TlsError(
        'decode_message_too_large',
        `${handshakeTypeName(type)} message declares ${len} bytes, over the ${cap}-byte limit`,
      );
    }
    return len;
  }
}

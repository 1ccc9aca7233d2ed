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

export class HandshakeFramer {
  private buf = new Uint8Array(0);

  /**
   * @param maxMessageBytes largest body accepted for any message but Certificate
   * @param maxCertificateBytes largest Certificate body: chains legitimately run past 64 KiB
   */
  constructor(
    readonly maxMessageBytes = 65536,
    readonly maxCertificateBytes = 256 * 1024,
  ) {}

  /** Append the payload of one handshake record. */
  push(fragment: Uint8Array): void {
    if (fragment.length === 0) return;
    const nb = new Uint8Array(this.buf.length + fragment.length);
    nb.set(this.buf);
    nb.set(fragment, this.buf.length);
    this.buf = nb;
    // Check the declared length as soon as the header is complete, so a hostile peer cannot make
    // us buffer up to 16 MiB before we notice.
    this.checkHeader();
  }

  /** The next complete message, or null if more bytes are needed. */
  next(): HandshakeMessage | null {
    if (this.buf.length < HANDSHAKE_HEADER_BYTES) return null;
    const len = this.checkHeader();
    const total = HANDSHAKE_HEADER_BYTES + len;
    if (this.buf.length < total) return null;
    const raw = this.buf.slice(0, total);
    this.buf = this.buf.subarray(total);
    return { type: raw[0]!, body: raw.subarray(HANDSHAKE_HEADER_BYTES), raw };
  }

  /**
   * True when handshake bytes are buffered that next() has not returned (once next() gives null:
   * an unfinished message). The engine uses this to refuse other content types interleaved inside
   * a handshake message, and ChangeCipherSpec or a key change off a message boundary.
   */
  hasPartial(): boolean {
    return this.buf.length > 0;
  }

  /** Declared body length of the buffered head message (0 if the header is incomplete); throws over the cap. */
  private checkHeader(): number {
    if (this.buf.length < HANDSHAKE_HEADER_BYTES) return 0;
    const type = this.buf[0]!;
    const len = (this.buf[1]! << 16) | (this.buf[2]! << 8) | this.buf[3]!;
    const cap = type === HandshakeType.certificate ? this.maxCertificateBytes : this.maxMessageBytes;
    if (len > cap) {
      throw new TlsError(
        'decode_message_too_large',
        `${handshakeTypeName(type)} message declares ${len} bytes, over the ${cap}-byte limit`,
      );
    }
    return len;
  }
}

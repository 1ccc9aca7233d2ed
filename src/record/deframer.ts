/**
 * Cuts the incoming byte stream into records. Headers are checked as soon as their 5 bytes
 * arrive, so garbage (plain HTTP, SSLv2 hellos, absurd lengths) fails before anything waits for a body.
 */
import { TlsError } from '../errors.js';
import { ContentType, CONTENT_TYPE_HEARTBEAT, MAX_CIPHERTEXT, RECORD_HEADER_LEN, isKnownContentType } from './constants.js';

export interface RawRecord {
  type: number;
  version: number;
  fragment: Uint8Array;
}

interface Header {
  type: number;
  version: number;
  length: number;
}

/** Room for one maximal record waiting to be taken plus one more arriving behind it. */
export const DEFAULT_MAX_BUFFERED = 2 * (RECORD_HEADER_LEN + MAX_CIPHERTEXT);

export class Deframer {
  /** Pushed chunks not yet consumed; the first one is consumed from `offset`. */
  private chunks: Uint8Array[] = [];
  private offset = 0;
  private total = 0;
  /** The validated header at the front, once its 5 bytes are in. */
  private header: Header | null = null;
  private failure: TlsError | null = null;
  private readonly maxBuffered: number;

  /**
   * maxBuffered bounds what a caller may leave undrained: pushing more while a complete record
   * is already waiting and the total would exceed it fails with limit_buffer. A caller that drains
   * between pushes may push chunks of any size (the chunk is its own memory, not growth here).
   */
  constructor(opts: { maxBuffered?: number } = {}) {
    this.maxBuffered = opts.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  }

  /** Bytes held and not yet returned by next(). */
  get buffered(): number {
    return this.total;
  }

  /**
   * Hand bytes from the network to the deframer. It keeps a reference (no copy), so the caller
   * must not reuse the array afterwards.
   */
  push(bytes: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (bytes.length === 0) return;
    if (this.total + bytes.length > this.maxBuffered && this.hasCompleteRecord()) {
      throw this.fail(
        new TlsError(
          'limit_buffer',
          `record buffer limit reached: ${this.total} byte(s) held with a complete record not yet taken; drain records with next() before pushing more`,
        ),
      );
    }
    this.chunks.push(bytes);
    this.total += bytes.length;
    this.readHeader();
  }

  /** The next complete record, or null until more bytes arrive. Throws on a malformed header. */
  next(): RawRecord | null {
    if (this.failure) throw this.failure;
    const h = this.readHeader();
    if (!h || this.total < RECORD_HEADER_LEN + h.length) return null;
    this.skip(RECORD_HEADER_LEN);
    const fragment = this.take(h.length);
    this.header = null;
    try {
      this.readHeader();
    } catch {
      // The record behind this one is malformed: recorded, and reported by the next call, so this one (complete
      // and well formed) is still handled first, in order.
    }
    return { type: h.type, version: h.version, fragment };
  }

  private hasCompleteRecord(): boolean {
    const h = this.header;
    return h !== null && this.total >= RECORD_HEADER_LEN + h.length;
  }

  private fail(e: TlsError): TlsError {
    this.failure = e;
    return e;
  }

  /** Parses and validates the front header when 5 bytes are there (once per record). */
  private readHeader(): Header | null {
    if (this.header) return this.header;
    if (this.total < RECORD_HEADER_LEN) return null;
    const b = this.peek(RECORD_HEADER_LEN);
    const h: Header = { type: b[0]!, version: (b[1]! << 8) | b[2]!, length: (b[3]! << 8) | b[4]! };
    const err = checkHeader(b, h);
    if (err) throw this.fail(err);
    this.header = h;
    return h;
  }

  /** The first n buffered bytes (n small), without consuming them. */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) return first.subarray(this.offset, this.offset + n);
    const out = new Uint8Array(n);
    let got = 0;
    for (let i = 0, off = this.offset; got < n; i++, off = 0) {
      const c = this.chunks[i]!;
      const k = Math.min(n - got, c.length - off);
      out.set(c.subarray(off, off + k), got);
      got += k;
    }
    return out;
  }

  private skip(n: number): void {
    this.consume(n, null);
  }

  /** Removes n bytes from the front: a view when they sit in one chunk, else one copy. */
  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first && first.length - this.offset >= n) {
      const v = first.subarray(this.offset, this.offset + n);
      this.consume(n, null);
      return v;
    }
    const out = new Uint8Array(n);
    this.consume(n, out);
    return out;
  }

  private consume(n: number, into: Uint8Array | null): void {
    let done = 0;
    let drop = 0;
    while (done < n) {
      const c = this.chunks[drop]!;
      const k = Math.min(n - done, c.length - this.offset);
      if (into) into.set(c.subarray(this.offset, this.offset + k), done);
      done += k;
      this.offset += k;
      if (this.offset === c.length) {
        drop++;
        this.offset = 0;
      }
    }
    // One splice per record keeps byte-at-a-time input linear.
    if (drop > 0) this.chunks.splice(0, drop);
    this.total -= n;
  }
}

const ZERO_LENGTH_FORBIDDEN = new Set<number>([ContentType.change_cipher_spec, ContentType.alert, ContentType.handshake]);

/** Header checks, in the order that gives the most useful message. */
function checkHeader(b: Uint8Array, h: Header): TlsError | null {
  if (!isKnownContentType(h.type)) {
    // A real TLS record's first byte is 20..23, so only here can the peer be speaking something else.
    const notTls = notTlsReason(b);
    if (notTls) return new TlsError('decode_not_tls', notTls);
    if (h.type === CONTENT_TYPE_HEARTBEAT) {
      return new TlsError('decode_bad_content_type', 'received a heartbeat record; heartbeat is not supported');
    }
    return new TlsError('decode_bad_content_type', `received a record of unknown content type ${h.type}`);
  }
  if (b[1] !== 3) {
    return new TlsError(
      'decode_not_tls',
      `received a record with version 0x${h.version.toString(16).padStart(4, '0')}; the peer does not speak TLS`,
    );
  }
  if (h.length > MAX_CIPHERTEXT) {
    return new TlsError(
      'decode_record_overflow',
      `received a record of ${h.length} bytes, more than the ${MAX_CIPHERTEXT} TLS allows`,
    );
  }
  if (h.length === 0 && ZERO_LENGTH_FORBIDDEN.has(h.type)) {
    return new TlsError('decode_bad_length', `received an empty record of content type ${h.type}, which TLS forbids`);
  }
  return null;
}

/** HTTP/1 request methods as their first 5 bytes (and the HTTP/2 preface "PRI *"). */
const HTTP_REQUEST = /^(GET |POST |PUT |HEAD |DELET|OPTIO|PATCH|CONNE|TRACE|PRI \*)/;

/** Recognises the usual non-TLS openings so the error says what the peer actually sent. */
function notTlsReason(b: Uint8Array): string | null {
  const text = String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!);
  if (text === 'HTTP/') return 'received an HTTP response, not TLS: the peer is a plain HTTP server';
  if (HTTP_REQUEST.test(text)) return 'received an HTTP request, not TLS: the peer is speaking plain HTTP to a TLS port';
  // SSL 2.0 record: 2-byte length with the top bit set, then message type 1 (CLIENT-HELLO).
  if ((b[0]! & 0x80) !== 0 && b[2] === 1) {
    return 'received an SSL 2.0-style ClientHello, not a TLS record: the peer must use TLS 1.0 or later records';
  }
  return null;
}

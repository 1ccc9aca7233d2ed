import { describe, expect, it } from 'vitest';
import { TlsError } from '../../src/errors.js';
import { MAX_CIPHERTEXT } from '../../src/record/constants.js';
import { Deframer, DEFAULT_MAX_BUFFERED, type RawRecord } from '../../src/record/deframer.js';
import { bytes, cat, header } from './ref.js';

function rec(type: number, version: number, body: Uint8Array): Uint8Array {
  return cat(header(type, version, body.length), body);
}
const sample = [
  { type: 22, version: 0x0301, fragment: bytes(40, 1) },
  { type: 20, version: 0x0303, fragment: new Uint8Array([1]) },
  { type: 23, version: 0x0303, fragment: new Uint8Array(0) },
  { type: 23, version: 0x0303, fragment: bytes(1000, 2) },
  { type: 21, version: 0x0303, fragment: new Uint8Array([2, 40]) },
];
const stream = cat(...sample.map((r) => rec(r.type, r.version, r.fragment)));

/** Records as comparable strings (deep-equal over typed arrays is slow in a 1000-fold loop). */
type Seen = string;
const show = (r: RawRecord): Seen => `${r.type}/${r.version.toString(16)}/${Buffer.from(r.fragment).toString('hex')}`;
const expected = sample.map(show);

function drain(d: Deframer, into: Seen[]): void {
  for (let r = d.next(); r; r = d.next()) into.push(show(r));
}

function errorOf(f: () => unknown): TlsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TlsError);
    return e as TlsError;
  }
  throw new Error('expected a throw');
}

describe('Deframer', () => {
  it('returns all records when the stream is split at every byte boundary', () => {
    for (let k = 0; k <= stream.length; k++) {
      const d = new Deframer();
      const got: Seen[] = [];
      d.push(stream.slice(0, k));
      drain(d, got);
      d.push(stream.slice(k));
      drain(d, got);
      expect(got).toEqual(expected);
      expect(d.buffered).toBe(0);
    }
  });

  it('handles byte-at-a-time input and reports what is buffered', () => {
    const d = new Deframer();
    const got: Seen[] = [];
    for (let i = 0; i < stream.length; i++) {
      d.push(stream.slice(i, i + 1));
      drain(d, got);
    }
    expect(got).toEqual(expected);
    d.push(stream.slice(0, 7));
    expect(d.buffered).toBe(7);
    expect(d.next()).toBeNull();
  });

  it('returns many records pushed in one chunk, without waiting', () => {
    const many = cat(...Array.from({ length: 200 }, () => stream));
    const d = new Deframer();
    d.push(many);
    const got: Seen[] = [];
    drain(d, got);
    expect(got.length).toBe(1000);
    expect(got.slice(0, 5)).toEqual(expected);
  });

  it('lets a caller that drains push chunks of any size', () => {
    const big = cat(...Array.from({ length: 100 }, (_, i) => rec(23, 0x0303, bytes(MAX_CIPHERTEXT, i))));
    const d = new Deframer();
    d.push(big);
    let n = 0;
    while (d.next()) n++;
    expect(n).toBe(100);
    d.push(big); // drained, so accepted again
  });

  it('refuses to grow without bound when the caller does not drain', () => {
    const d = new Deframer();
    const r = rec(23, 0x0303, bytes(MAX_CIPHERTEXT, 3));
    let pushed = 0;
    const e = errorOf(() => {
      for (;;) {
        d.push(r);
        pushed += r.length;
      }
    });
    expect(e.code).toBe('limit_buffer');
    expect(pushed).toBeLessThanOrEqual(DEFAULT_MAX_BUFFERED);
    expect(d.buffered).toBeLessThanOrEqual(DEFAULT_MAX_BUFFERED);
    // A small cap is honoured too.
    const small = new Deframer({ maxBuffered: 100 });
    small.push(rec(22, 0x0303, bytes(60, 1)));
    expect(errorOf(() => small.push(bytes(50, 1))).code).toBe('limit_buffer');
  });

  const headerErrors: [string, Uint8Array, string, RegExp?][] = [
    ['unknown content type', header(99, 0x0303, 10), 'decode_bad_content_type'],
    ['content type 0', header(0, 0x0303, 10), 'decode_bad_content_type'],
    ['heartbeat', header(24, 0x0303, 10), 'decode_bad_content_type', /heartbeat/],
    ['major version 2', header(22, 0x0203, 10), 'decode_not_tls'],
    ['major version 4', header(23, 0x0401, 10), 'decode_not_tls'],
    ['SSLv2 ClientHello', new Uint8Array([0x80, 0x2e, 0x01, 0x03, 0x01]), 'decode_not_tls', /SSL 2\.0/],
    ['HTTP GET', new TextEncoder().encode('GET / HTTP/1.1\r\n'), 'decode_not_tls', /HTTP request/],
    ['HTTP POST', new TextEncoder().encode('POST /x HTTP/1.1\r\n'), 'decode_not_tls', /HTTP request/],
    ['HTTP/2 preface', new TextEncoder().encode('PRI * HTTP/2.0\r\n'), 'decode_not_tls', /HTTP request/],
    ['HTTP response', new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n'), 'decode_not_tls', /HTTP response/],
    ['length over 2^14+2048', header(23, 0x0303, MAX_CIPHERTEXT + 1), 'decode_record_overflow'],
    ['empty handshake', header(22, 0x0303, 0), 'decode_bad_length'],
    ['empty alert', header(21, 0x0303, 0), 'decode_bad_length'],
    ['empty change_cipher_spec', header(20, 0x0301, 0), 'decode_bad_length'],
  ];
  for (const [what, bytes5, code, msg] of headerErrors) {
    it(`rejects ${what} as soon as the header is complete`, () => {
      const d = new Deframer();
      d.push(bytes5.slice(0, 4)); // not enough to judge yet
      const e = errorOf(() => d.push(bytes5.slice(4)));
      expect(e.code).toBe(code);
      if (msg) expect(e.message).toMatch(msg);
      // The failure is sticky.
      expect(errorOf(() => d.next()).code).toBe(code);
      expect(errorOf(() => d.push(new Uint8Array([1]))).code).toBe(code);
    });
  }

  it('checks the header of a record that follows another in the same chunk, after handing out the first (in order)', () => {
    const d = new Deframer();
    d.push(cat(rec(22, 0x0303, bytes(4, 1)), header(22, 0x0303, 0)));
    expect(d.next()!.fragment).toEqual(bytes(4, 1));
    expect(errorOf(() => d.next()).code).toBe('decode_bad_length');
    expect(errorOf(() => d.push(bytes(1, 0))).code).toBe('decode_bad_length');
  });

  it('accepts the largest legal record and an empty application_data record', () => {
    const d = new Deframer();
    d.push(cat(rec(23, 0x0303, bytes(MAX_CIPHERTEXT, 1)), rec(23, 0x0303, new Uint8Array(0))));
    expect(d.next()!.fragment.length).toBe(MAX_CIPHERTEXT);
    expect(d.next()!.fragment.length).toBe(0);
    expect(d.next()).toBeNull();
  });
});

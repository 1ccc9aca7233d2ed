/**
 * Byte codecs: a Reader that refuses to read past its end or to leave bytes behind,
 * and a Writer whose length prefixes fill themselves in when the nested body is done.
 */
import { TlsError } from '../errors.js';

export class Reader {
  private pos: number;
  private readonly end_: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
    /** What is being decoded, for error messages. */
    readonly what = 'message',
  ) {
    this.pos = start;
    this.end_ = end;
  }

  get remaining(): number {
    return this.end_ - this.pos;
  }
  get offset(): number {
    return this.pos;
  }
  atEnd(): boolean {
    return this.pos === this.end_;
  }

  private need(n: number): void {
    if (n > this.end_ - this.pos) {
      throw new TlsError('decode_truncated', `${this.what}: needs ${n} more byte(s), only ${this.end_ - this.pos} left`);
    }
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }
  u32(): number {
    this.need(4);
    const v =
      (this.buf[this.pos]! * 0x1000000) +
      ((this.buf[this.pos + 1]! << 16) | (this.buf[this.pos + 2]! << 8) | this.buf[this.pos + 3]!);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const hi = BigInt(this.u32());
    const lo = BigInt(this.u32());
    return (hi << 32n) | lo;
  }
  /** n bytes, as a view into the underlying buffer (copy it if you keep it past the buffer's life). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A vector with a 1, 2 or 3 byte length prefix; min/max bound the length in bytes. */
  vec(prefixBytes: 1 | 2 | 3, min = 0, max = Infinity): Uint8Array {
    const n = prefixBytes === 1 ? this.u8() : prefixBytes === 2 ? this.u16() : this.u24();
    if (n < min || n > max) {
      throw new TlsError('decode_bad_length', `${this.what}: vector length ${n} outside [${min}, ${max}]`);
    }
    return this.bytes(n);
  }
  /** A Reader over the next len bytes; this reader moves past them. */
  sub(len: number, what = this.what): Reader {
    this.need(len);
    const r = new Reader(this.buf, this.pos, this.pos + len, what);
    this.pos += len;
    return r;
  }
  /** A Reader over a length-prefixed block. */
  subVec(prefixBytes: 1 | 2 | 3, what = this.what, min = 0, max = Infinity): Reader {
    const n = prefixBytes === 1 ? this.u8() : prefixBytes === 2 ? this.u16() : this.u24();
    if (n < min || n > max) {
      throw new TlsError('decode_bad_length', `${what}: block length ${n} outside [${min}, ${max}]`);
    }
    return this.sub(n, what);
  }
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }
  /** Refuse leftovers. */
  end(): void {
    if (this.pos !== this.end_) {
      throw new TlsError('decode_trailing_data', `${this.what}: ${this.end_ - this.pos} unexpected trailing byte(s)`);
    }
  }
}

/** A growable byte writer. `prefixed(n, fn)` writes fn's output behind an n-byte length it fills in itself. */
export class Writer {
  private buf: Uint8Array;
  private len = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  get length(): number {
    return this.len;
  }
  u8(v: number): this {
    this.grow(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.grow(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u24(v: number): this {
    this.grow(3);
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.grow(4);
    this.buf[this.len++] = (v >>> 24) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u64(v: bigint): this {
    this.u32(Number((v >> 32n) & 0xffffffffn));
    return this.u32(Number(v & 0xffffffffn));
  }
  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  /** Write a length-prefixed block: fn writes the body, the prefix is filled in after. */
  prefixed(prefixBytes: 1 | 2 | 3, fn: (w: this) => void): this {
    this.grow(prefixBytes);
    const at = this.len;
    this.len += prefixBytes;
    fn(this);
    const n = this.len - at - prefixBytes;
    const max = prefixBytes === 1 ? 0xff : prefixBytes === 2 ? 0xffff : 0xffffff;
    if (n > max) throw new TlsError('internal_error', `length ${n} does not fit a ${prefixBytes}-byte prefix`);
    for (let i = prefixBytes - 1, v = n; i >= 0; i--, v >>>= 8) this.buf[at + i] = v & 0xff;
    return this;
  }
  /** A vector: length prefix then bytes. */
  vec(prefixBytes: 1 | 2 | 3, b: Uint8Array): this {
    return this.prefixed(prefixBytes, (w) => w.bytes(b));
  }
  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export { concat, equalBytes, toHex, fromHex, utf8 } from '../bytes.js';

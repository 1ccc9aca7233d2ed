/** Buffered reading of an HTTP/1.1 response from a byte stream: the head, then a body framed three ways. */
import { TlsError } from '../errors.js';

const MAX_HEAD = 64 * 1024;
const MAX_LINE = 8 * 1024;

function httpError(message: string): TlsError {
  return new TlsError('http_protocol', message);
}

export class ByteReader {
  private buf = new Uint8Array(0);
  private eof = false;

  /** `signal`: once aborted, reads fail with its reason (a cancelled stream would otherwise look like a clean end). */
  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly signal?: AbortSignal,
  ) {}

  /** Read more from the stream into the buffer; false at end of stream. */
  private async fill(): Promise<boolean> {
    if (this.eof) return false;
    const { value, done } = await this.reader.read();
    if (this.signal?.aborted) throw this.signal.reason;
    if (done) {
      this.eof = true;
      return false;
    }
    const next = new Uint8Array(this.buf.length + value.length);
    next.set(this.buf);
    next.set(value, this.buf.length);
    this.buf = next;
    return true;
  }

  private take(n: number): Uint8Array {
    const out = this.buf.slice(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Bytes up to and including `delim`, at most `max` bytes; null if the stream ends first. */
  async readUntil(delim: Uint8Array, max: number, what: string): Promise<Uint8Array | null> {
    let from = 0;
    for (;;) {
      const i = indexOf(this.buf, delim, from);
      if (i >= 0) return this.take(i + delim.length);
      if (this.buf.length > max) throw httpError(`the ${what} is longer than ${max} bytes`);
      from = Math.max(0, this.buf.length - delim.length + 1);
      if (!(await this.fill())) return null;
    }
  }

  /** Up to `max` bytes as soon as any are available; null at end of stream. */
  async readSome(max: number): Promise<Uint8Array | null> {
    if (!this.buf.length && !(await this.fill())) return null;
    return this.take(Math.min(max, this.buf.length));
  }

  async readExact(n: number, what: string): Promise<Uint8Array> {
    while (this.buf.length < n) {
      if (!(await this.fill())) throw new TlsError('io_truncated', `the connection ended in the middle of the ${what}`);
    }
    return this.take(n);
  }

  cancel(): Promise<void> {
    return this.reader.cancel().catch(() => {});
  }
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const CRLF = new Uint8Array([13, 10]);
const CRLFCRLF = new Uint8Array([13, 10, 13, 10]);
const latin1 = new TextDecoder('latin1');

export interface ResponseHead {
  status: number;
  statusText: string;
  headers: [string, string][];
  /** The head as the server sent it: status line and header lines, CRLF-separated, without the blank line. */
  raw: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Status line and header fields (obs-fold refused, as RFC 9112 §5.2 allows a client to). */
export async function readHead(r: ByteReader): Promise<ResponseHead> {
  const raw = await r.readUntil(CRLFCRLF, MAX_HEAD, 'response head');
  if (!raw) throw new TlsError('io_truncated', 'the connection ended before a complete HTTP response head');
  const text = latin1.decode(raw.subarray(0, raw.length - 4));
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (!m) throw httpError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    const name = i > 0 ? line.slice(0, i) : '';
    if (!TOKEN.test(name)) throw httpError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    headers.push([name.toLowerCase(), line.slice(i + 1).trim()]);
  }
  return { status: Number(m[1]), statusText: m[2] ?? '', headers, raw: text };
}

/** How the body is delimited (RFC 9112 §6.3). */
export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export function framing(head: ResponseHead, method: string): BodyFraming {
  if (method === 'HEAD' || head.status === 204 || head.status === 304 || head.status < 200) return { kind: 'none' };
  const te = head.headers.filter(([n]) => n === 'transfer-encoding').map(([, v]) => v.toLowerCase());
  if (te.length) {
    const codings = te.join(',').split(',').map((s) => s.trim());
    if (codings[codings.length - 1] !== 'chunked') return { kind: 'close' };
    if (codings.length > 1) throw httpError(`unsupported transfer-encoding ${te.join(', ')}`);
    return { kind: 'chunked' };
  }
  const cl = [...new Set(head.headers.filter(([n]) => n === 'content-length').flatMap(([, v]) => v.split(',').map((s) => s.trim())))];
  if (cl.length) {
    if (cl.length > 1 || !/^\d{1,15}$/.test(cl[0]!)) throw httpError(`invalid content-length ${cl.join(', ')}`);
    return { kind: 'length', length: Number(cl[0]) };
  }
  return { kind: 'close' };
}

/**
 * The body as a stream of chunks, read on demand (the peer is not read ahead of the consumer).
 * `done` runs once the body is complete, or has failed or been cancelled. `truncated` says whether the stream ended
 * without close_notify: a body that ends with the connection is then io_truncated, since whoever could cut the
 * transport could have cut the body.
 */
export function bodyStream(
  r: ByteReader,
  f: BodyFraming,
  done: (err?: unknown) => void,
  truncated: () => boolean = () => false,
): ReadableStream<Uint8Array> | null {
  if (f.kind === 'none') {
    done();
    return null;
  }
  let remaining = f.kind === 'length' ? f.length : 0;
  let chunkLeft = 0;
  let finished = false;
  const finish = (err?: unknown) => {
    if (finished) return;
    finished = true;
    done(err);
  };
  // The next piece of the body, or null at its end.
  const next = async (): Promise<Uint8Array | null> => {
    switch (f.kind) {
      case 'length': {
        if (remaining === 0) return null;
        const b = await r.readSome(Math.min(remaining, 65536));
        if (!b) throw new TlsError('io_truncated', `the connection ended with ${remaining} bytes of the body missing`);
        remaining -= b.length;
        return b;
      }
      case 'close': {
        const b = await r.readSome(65536);
        if (!b && truncated()) {
          throw new TlsError('io_truncated', 'the connection ended without close_notify, and the body has no length: it may have been cut short');
        }
        return b;
      }
      case 'chunked': {
        if (chunkLeft === 0) {
          const line = await r.readUntil(CRLF, MAX_LINE, 'chunk size line');
          if (!line) throw new TlsError('io_truncated', 'the connection ended in the middle of a chunked body');
          const size = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?\r\n$/.exec(latin1.decode(line));
          if (!size) throw httpError(`malformed chunk size line ${JSON.stringify(latin1.decode(line).slice(0, 40))}`);
          chunkLeft = parseInt(size[1]!, 16);
          if (chunkLeft === 0) {
            // Trailer fields end with an empty line; they are read and dropped, within the header size bound.
            for (let seen = 0; ; ) {
              const t = await r.readUntil(CRLF, MAX_LINE, 'trailer line');
              if (!t) throw new TlsError('io_truncated', 'the connection ended in the chunked trailer');
              if (t.length === 2) return null;
              if ((seen += t.length) > MAX_HEAD) throw httpError(`chunked trailer over ${MAX_HEAD} bytes`);
            }
          }
        }
        const b = await r.readSome(chunkLeft);
        if (!b) throw new TlsError('io_truncated', 'the connection ended in the middle of a chunk');
        chunkLeft -= b.length;
        if (chunkLeft === 0) {
          const crlf = await r.readExact(2, 'chunk');
          if (crlf[0] !== 13 || crlf[1] !== 10) throw httpError('a chunk is not followed by CRLF');
        }
        return b;
      }
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const b = await next();
            if (b === null) {
              controller.close();
              finish();
              return;
            }
            if (b.length) {
              controller.enqueue(b);
              return;
            }
          }
        } catch (e) {
          controller.error(e);
          finish(e);
        }
      },
      cancel(reason) {
        finish(reason ?? new TlsError('io_closed', 'the response body was cancelled'));
      },
    },
    { highWaterMark: 0 },
  );
}

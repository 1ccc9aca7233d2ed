/** Watching TLS bytes on a ByteStream: taps for each direction and a record splitter. */
import type { ByteStream } from '../../src/transport/types.js';

export interface Tapped {
  stream: ByteStream;
  /** Everything read from the underlying stream (what the peer sent). */
  incoming(): Uint8Array;
  /** Everything written to it (what we sent). */
  outgoing(): Uint8Array;
}

const join = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

export function tap(base: ByteStream): Tapped {
  const inParts: Uint8Array[] = [];
  const outParts: Uint8Array[] = [];
  const readable = base.readable.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        inParts.push(chunk.slice());
        c.enqueue(chunk);
      },
    }),
  );
  const writer = base.writable.getWriter();
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => {
      outParts.push(chunk.slice());
      return writer.write(chunk);
    },
    close: () => writer.close(),
    abort: (r) => writer.abort(r),
  });
  return { stream: { readable, writable }, incoming: () => join(inParts), outgoing: () => join(outParts) };
}

export interface RawRecord {
  type: number;
  version: number;
  body: Uint8Array;
}

/** Split a byte capture into records (a trailing partial record is dropped). */
export function records(bytes: Uint8Array): RawRecord[] {
  const out: RawRecord[] = [];
  for (let o = 0; o + 5 <= bytes.length; ) {
    const len = (bytes[o + 3]! << 8) | bytes[o + 4]!;
    if (o + 5 + len > bytes.length) break;
    out.push({ type: bytes[o]!, version: (bytes[o + 1]! << 8) | bytes[o + 2]!, body: bytes.subarray(o + 5, o + 5 + len) });
    o += 5 + len;
  }
  return out;
}

/** The extension types of the ServerHello at the start of a server's plaintext handshake records. */
export function serverHelloExtensionTypes(serverBytes: Uint8Array): number[] {
  const hs = records(serverBytes).find((r) => r.type === 22)!.body;
  if (hs[0] !== 2) throw new Error('first handshake message is not ServerHello');
  let o = 4 + 2 + 32;
  o += 1 + hs[o]!; // session id
  o += 2 + 1; // suite, compression
  const end = o + 2 + ((hs[o]! << 8) | hs[o + 1]!);
  const types: number[] = [];
  for (o += 2; o < end; ) {
    types.push((hs[o]! << 8) | hs[o + 1]!);
    o += 4 + ((hs[o + 2]! << 8) | hs[o + 3]!);
  }
  return types;
}

/** ServerHello.random from a server's bytes. */
export function serverRandom(serverBytes: Uint8Array): Uint8Array {
  const hs = records(serverBytes).find((r) => r.type === 22)!.body;
  return hs.slice(6, 38);
}

/** Two ends of an in-memory byte pipe, for tests and for running client and server in one process. */
import { isGivenUp, type ByteStream } from './types.js';

/** Bytes each direction holds before a writer waits, on each side of the pipe (about a socket buffer's worth). */
const PIPE_BUFFER = 64 * 1024;
const bytes = { highWaterMark: PIPE_BUFFER, size: (chunk: Uint8Array) => chunk.length };

function pipe(): TransformStream<Uint8Array, Uint8Array> {
  // Chunks are copied: the writer may reuse its buffer once write() resolves, as with a socket. Not those it gave up
  // (a TlsConnection's records): copying them would only make garbage, which V8 counts against its old-generation
  // limit (ArrayBuffer memory is external memory) and answers with more full collections.
  // Counted in bytes, not chunks, so a writer batching many records in one chunk buffers no more than one writing few.
  return new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, c) => c.enqueue(isGivenUp(chunk) ? chunk : chunk.slice()) }, bytes, bytes);
}

/** Returns [a, b]: what a writes, b reads, and the other way round. Closing a's writable ends b's readable. */
export function memoryPair(): [ByteStream, ByteStream] {
  const ab = pipe();
  const ba = pipe();
  return [
    { readable: ba.readable, writable: ab.writable },
    { readable: ab.readable, writable: ba.writable },
  ];
}

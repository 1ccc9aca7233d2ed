/** Two ends of an in-memory byte pipe, for tests and for running client and server in one process. */
import type { ByteStream } from './types.js';

function pipe(): TransformStream<Uint8Array, Uint8Array> {
  // Chunks are copied: the writer may reuse its buffer once write() resolves, as with a socket.
  return new TransformStream<Uint8Array, Uint8Array>(
    { transform: (chunk, c) => c.enqueue(chunk.slice()) },
    { highWaterMark: 4 },
    { highWaterMark: 4 },
  );
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

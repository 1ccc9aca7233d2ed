/**
 * Web Streams pairs as a ByteStream. A socket from Deno (`Deno.connect`), Cloudflare Workers (`connect()` from
 * 'cloudflare:sockets') or Bun already is `{ readable, writable }` of bytes and can be passed as a transport as is;
 * `webStreams()` checks the shapes up front (a clear config error instead of a failure mid-handshake) and makes
 * every chunk read a Uint8Array, so streams yielding ArrayBuffers or other typed arrays work too.
 */
import type { ByteStream } from './types.js';
import { TlsError } from '../errors.js';

function isReadable(x: unknown): x is ReadableStream<unknown> {
  return !!x && typeof (x as ReadableStream).getReader === 'function';
}
function isWritable(x: unknown): x is WritableStream<Uint8Array> {
  return !!x && typeof (x as WritableStream).getWriter === 'function';
}

/** Accepts `(socket)` with readable/writable properties or `(readable, writable)`. */
export function webStreams(readableOrPair: ReadableStream<unknown> | { readable: unknown; writable: unknown }, writable?: WritableStream<Uint8Array>): ByteStream {
  const pair = writable === undefined ? (readableOrPair as { readable: unknown; writable: unknown }) : { readable: readableOrPair, writable };
  if (!isReadable(pair.readable)) throw new TlsError('config_invalid', 'webStreams: readable is not a ReadableStream');
  if (!isWritable(pair.writable)) throw new TlsError('config_invalid', 'webStreams: writable is not a WritableStream');
  if (pair.readable.locked || (pair.writable as WritableStream).locked) {
    throw new TlsError('config_invalid', 'webStreams: the streams are locked (already being read or written elsewhere)');
  }
  const bytes = new TransformStream<unknown, Uint8Array>({
    transform(chunk, controller) {
      if (chunk instanceof Uint8Array) controller.enqueue(chunk);
      else if (chunk instanceof ArrayBuffer) controller.enqueue(new Uint8Array(chunk));
      else if (ArrayBuffer.isView(chunk)) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      else controller.error(new TlsError('io_transport', `the transport yielded a ${typeof chunk}, not bytes`));
    },
  });
  return { readable: pair.readable.pipeThrough(bytes), writable: pair.writable };
}

/** The one shape every transport is turned into: a pair of Web Streams carrying bytes. */
export interface ByteStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/**
 * Chunks whose writer gave them up when writing them: it never reads or changes them again, so a transport may
 * keep such a chunk instead of copying it. TlsConnection writes only fresh buffers and marks each; a writer that
 * reuses its buffer (as any may, once write() resolves) marks nothing and gets the copy a socket would make.
 */
const givenUp = new WeakSet<Uint8Array>();

/** Marks `chunk` as given up by its writer (see givenUp) and returns it. */
export function giveUp(chunk: Uint8Array): Uint8Array {
  givenUp.add(chunk);
  return chunk;
}

/** Whether the writer of `chunk` gave it up, so it may be kept without a copy. */
export const isGivenUp = (chunk: Uint8Array): boolean => givenUp.has(chunk);

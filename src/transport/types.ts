/** The one shape every transport is turned into: a pair of Web Streams carrying bytes. */
export interface ByteStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/**
 * Certificate compression codecs (RFC 8879) from Node's zlib: brotli (algorithm 2, the one Chromium offers) and
 * zlib (1). Installed as a platform hook by the Node entry (node-platform.ts), so the portable core stays free of
 * Node built-ins. `maxOutputLength` bounds decompression: a bomb stops at the announced length plus one byte.
 */
import zlib from 'node:zlib';
import { decompressionFailed, type CertificateCodec } from '../handshake/cert-compression.js';

function bounded(run: (data: Uint8Array, max: number) => Uint8Array, data: Uint8Array, length: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = run(data, length + 1);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw decompressionFailed(`it holds more than the ${length} bytes announced`, e);
    throw decompressionFailed('corrupt data', e);
  }
  if (out.length !== length) throw decompressionFailed(`it holds ${out.length} bytes, not the ${length} announced`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

const asBytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

export const nodeBrotliCodec: CertificateCodec = {
  name: 'brotli',
  compress: async (data) =>
    asBytes(
      zlib.brotliCompressSync(data, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length },
      }),
    ),
  decompress: async (data, length) => bounded((d, max) => asBytes(zlib.brotliDecompressSync(d, { maxOutputLength: max })), data, length),
};

export const nodeZlibCodec: CertificateCodec = {
  name: 'zlib',
  compress: async (data) => asBytes(zlib.deflateSync(data, { level: 9 })),
  decompress: async (data, length) => bounded((d, max) => asBytes(zlib.inflateSync(d, { maxOutputLength: max })), data, length),
};

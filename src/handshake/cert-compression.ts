/**
 * TLS certificate compression (RFC 8879), TLS 1.3 only: the client lists what it can decompress in
 * compress_certificate (extension 27); the server may then send CompressedCertificate (message 25) in place of
 * Certificate, and the transcript holds the CompressedCertificate as sent.
 *
 *   struct { CertificateCompressionAlgorithm algorithms<2..2^8-2>; } CertificateCompressionAlgorithms;
 *   struct { CertificateCompressionAlgorithm algorithm; uint24 uncompressed_length;
 *            opaque compressed_certificate_message<1..2^24-1>; } CompressedCertificate;
 *
 * Codecs are whatever the platform has: zlib (1) through the standard DecompressionStream('deflate') where there
 * is one (browsers, Deno, Node), brotli (2, what Chromium offers) through Node's zlib, installed by the Node entry
 * (src/transport/node-compression.ts) as a platform hook. Decompression is bounded: a codec gives exactly the
 * announced length, never more (a bomb is cut off at the limit), and the announced length is capped first.
 */
import { TlsError } from '../errors.js';
import { Reader, Writer } from './codec.js';
import { platform } from '../platform.js';
import { equalBytes } from '../bytes.js';

export const ExtensionTypeCompressCertificate = 27;
export const HandshakeTypeCompressedCertificate = 25;

export const CertCompressionAlgorithm = { zlib: 1, brotli: 2, zstd: 3 } as const;
export type CertCompressionName = keyof typeof CertCompressionAlgorithm;

export function certCompressionName(id: number): CertCompressionName | undefined {
  return (Object.keys(CertCompressionAlgorithm) as CertCompressionName[]).find((k) => CertCompressionAlgorithm[k] === id);
}

/** One compression algorithm, both directions. */
export interface CertificateCodec {
  readonly name: CertCompressionName;
  compress(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Exactly `length` bytes from `data`, or a TlsError (cert_decompression_failed): corrupt input, or output that
   * would differ from `length` (it stops once it would exceed it, so a bomb costs at most `length` bytes).
   */
  decompress(data: Uint8Array, length: number): Promise<Uint8Array>;
}

export function decompressionFailed(why: string, cause?: unknown): TlsError {
  return new TlsError('cert_decompression_failed', `the compressed certificate cannot be decompressed: ${why}`, cause === undefined ? {} : { cause });
}

// ---------------------------------------------------------------- codecs of the extension and the message

export function encodeCompressCertificate(algorithms: readonly number[]): Uint8Array {
  const w = new Writer();
  w.prefixed(1, (w) => {
    for (const a of algorithms) w.u16(a);
  });
  return w.finish();
}

export function decodeCompressCertificate(data: Uint8Array): number[] {
  const r = new Reader(data, 0, data.length, 'compress_certificate extension');
  const list = r.subVec(1, 'compression algorithms', 2, 254);
  r.end();
  if (list.remaining % 2) throw new TlsError('decode_bad_length', 'compress_certificate list has an odd length');
  const out: number[] = [];
  while (!list.atEnd()) out.push(list.u16());
  return out;
}

export interface CompressedCertificate {
  algorithm: number;
  uncompressedLength: number;
  data: Uint8Array;
}

export function encodeCompressedCertificate(m: CompressedCertificate): Uint8Array {
  return new Writer(m.data.length + 8).u16(m.algorithm).u24(m.uncompressedLength).vec(3, m.data).finish();
}

export function decodeCompressedCertificate(body: Uint8Array): CompressedCertificate {
  const r = new Reader(body, 0, body.length, 'CompressedCertificate');
  const algorithm = r.u16();
  const uncompressedLength = r.u24();
  const data = r.vec(3, 1);
  r.end();
  return { algorithm, uncompressedLength, data };
}

// ---------------------------------------------------------------- the portable zlib codec (Compression Streams)

type StreamCtor = new (format: 'deflate') => TransformStream<Uint8Array, Uint8Array>;

/** Input fed in pieces this size: one piece of deflate expands to at most ~1 MiB before the limit is checked. */
const FEED = 1024;

async function streamCompress(Ctor: StreamCtor, data: Uint8Array): Promise<Uint8Array> {
  const ts = new Ctor('deflate');
  const w = ts.writable.getWriter();
  void w.write(data).catch(() => {});
  void w.close().catch(() => {});
  const parts: Uint8Array[] = [];
  const r = ts.readable.getReader();
  for (;;) {
    const { value, done } = await r.read();
    if (done) break;
    parts.push(value);
  }
  return join(parts);
}

async function streamDecompress(Ctor: StreamCtor, data: Uint8Array, length: number): Promise<Uint8Array> {
  const ts = new Ctor('deflate');
  const w = ts.writable.getWriter();
  const r = ts.readable.getReader();
  // Fed a piece at a time, in the background; reading stops (and cancels) as soon as the output passes `length`.
  const feeding = (async () => {
    for (let off = 0; off < data.length; off += FEED) await w.write(data.subarray(off, off + FEED));
    await w.close();
  })();
  feeding.catch(() => {});
  const out = new Uint8Array(length);
  let n = 0;
  try {
    for (;;) {
      const { value, done } = await r.read();
      if (done) break;
      if (n + value.length > length) throw decompressionFailed(`it holds more than the ${length} bytes announced`);
      out.set(value, n);
      n += value.length;
    }
    await feeding;
  } catch (e) {
    await r.cancel().catch(() => {});
    await w.abort().catch(() => {});
    if (e instanceof TlsError) throw e;
    throw decompressionFailed('corrupt zlib data', e);
  }
  if (n !== length) throw decompressionFailed(`it holds ${n} bytes, not the ${length} announced`);
  return out;
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** zlib (RFC 1950, algorithm 1) through CompressionStream/DecompressionStream, where the platform has them. */
export function streamZlibCodec(): CertificateCodec | undefined {
  const g = globalThis as { CompressionStream?: StreamCtor; DecompressionStream?: StreamCtor };
  const C = g.CompressionStream;
  const D = g.DecompressionStream;
  if (!C || !D) return undefined;
  return {
    name: 'zlib',
    compress: (data) => streamCompress(C, data),
    decompress: (data, length) => streamDecompress(D, data, length),
  };
}

/**
 * The codecs this platform has, most preferred first: the platform's own (Node: brotli, zlib), then zlib through
 * Compression Streams where no platform codec does zlib.
 */
export function platformCertificateCodecs(): CertificateCodec[] {
  const own = [...(platform().certificateCodecs ?? [])];
  if (!own.some((c) => c.name === 'zlib')) {
    const z = streamZlibCodec();
    if (z) own.push(z);
  }
  return own;
}

/** The codecs of `names` this platform has, in the order given; an unknown or unavailable name is config_invalid. */
export function certificateCodecs(names: readonly string[] | boolean | undefined): CertificateCodec[] {
  if (names === false) return [];
  const have = platformCertificateCodecs();
  if (names === undefined || names === true) return have;
  return names.map((n) => {
    const c = have.find((x) => x.name === n);
    if (!c) throw new TlsError('config_invalid', `certificate compression '${n}' is not available here (available: ${have.map((x) => x.name).join(', ') || 'none'})`);
    return c;
  });
}

/** The largest uncompressed_length accepted: the protocol's 2^24 - 1, and no more than a Certificate may be. */
export function maxUncompressed(maxCertificateMessage: number | undefined): number {
  return Math.min(0xffffff, maxCertificateMessage ?? 256 * 1024);
}

/**
 * The Certificate body inside a CompressedCertificate we asked for: the algorithm must be one we offered, the
 * announced length within `max`, and the output exactly that long. Every failure is bad_certificate (RFC 8879 §4).
 */
export async function decompressCertificate(body: Uint8Array, offered: readonly CertificateCodec[], max: number): Promise<{ body: Uint8Array; name: CertCompressionName }> {
  const m = decodeCompressedCertificate(body);
  const codec = offered.find((c) => CertCompressionAlgorithm[c.name] === m.algorithm);
  if (!codec) throw decompressionFailed(`algorithm ${m.algorithm} was not offered`);
  if (m.uncompressedLength > max) throw decompressionFailed(`it announces ${m.uncompressedLength} bytes, over the ${max}-byte limit`);
  if (m.uncompressedLength === 0) throw decompressionFailed('it announces an empty certificate message');
  const key = `${m.algorithm}:${m.uncompressedLength}:${fnv1a(m.data)}`;
  const hit = recent.get(key);
  if (hit && equalBytes(hit.compressed, m.data)) {
    recent.delete(key); // most recent last
    recent.set(key, hit);
    return { body: hit.body.slice(), name: codec.name };
  }
  const out = await codec.decompress(m.data, m.uncompressedLength);
  if (out.length <= RECENT_MAX_BYTES) {
    recent.set(key, { compressed: m.data.slice(), body: out.slice() });
    if (recent.size > RECENT_ENTRIES) recent.delete(recent.keys().next().value!);
  }
  return { body: out, name: codec.name };
}

/**
 * The last few chains decompressed, by algorithm and exact compressed bytes: a client reconnecting to the same
 * servers gets the same CompressedCertificate every time, and decompressing it (a brotli decoder set up and torn
 * down) was a tenth of a TLS 1.3 handshake in the pure-JS bench. Decompression is a pure function of those bytes,
 * so an entry carries no policy: the certificates inside are parsed and verified as if just decompressed.
 * Small chains only, a few at a time (~16 × 16 KiB at most).
 */
const recent = new Map<string, { compressed: Uint8Array; body: Uint8Array }>();
const RECENT_ENTRIES = 16;
const RECENT_MAX_BYTES = 16 * 1024;

/** FNV-1a over the bytes: a map key only, every hit is confirmed by comparing the bytes themselves. */
function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** The compress_certificate list of a ClientHello or CertificateRequest (none: empty). */
export function offeredCompression(extensions: readonly { type: number; data: Uint8Array }[] | null | undefined): number[] {
  const e = extensions?.find((x) => x.type === ExtensionTypeCompressCertificate);
  return e ? decodeCompressCertificate(e.data) : [];
}

/** Our first codec the peer listed, if any. */
export function chooseCodec(ours: readonly CertificateCodec[] | undefined, theirs: readonly number[]): CertificateCodec | undefined {
  return ours?.find((c) => theirs.includes(CertCompressionAlgorithm[c.name]));
}

/**
 * A Certificate message body the way the peer asked for it: a CompressedCertificate (message 25) with `codec`,
 * else the plain Certificate (11). `compressed` may supply the compressed bytes (a cache).
 */
export async function certificateMessage(
  body: Uint8Array,
  codec: CertificateCodec | undefined,
  compressed?: Promise<Uint8Array>,
): Promise<{ type: number; body: Uint8Array }> {
  if (!codec) return { type: 11, body };
  const data = await (compressed ?? codec.compress(body));
  return { type: HandshakeTypeCompressedCertificate, body: encodeCompressedCertificate({ algorithm: CertCompressionAlgorithm[codec.name], uncompressedLength: body.length, data }) };
}

/**
 * The Certificate body of a received Certificate or CompressedCertificate message (the latter only where we
 * offered `codecs`), with the certificate-count cap applied to what was inside.
 */
export async function receivedCertificateBody(
  m: { type: number; body: Uint8Array },
  codecs: readonly CertificateCodec[] | undefined,
  limits: { maxCertificateMessage?: number },
): Promise<{ body: Uint8Array; name?: CertCompressionName }> {
  if (m.type !== HandshakeTypeCompressedCertificate) return { body: m.body };
  if (!codecs?.length) throw new TlsError('protocol_unexpected_message', 'a CompressedCertificate where no compression was offered');
  return decompressCertificate(m.body, codecs, maxUncompressed(limits.maxCertificateMessage));
}

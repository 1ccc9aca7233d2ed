/**
 * What the portable core asks of the platform it runs on, filled in by an entry point. The core (src/web.ts and
 * everything it imports) never imports a Node built-in, so bundlers, Deno and Workers get a graph without one;
 * the Node entry (src/index.ts, the `node` export condition) installs Node's answers through setPlatform().
 * Other platforms may install theirs too, e.g. a Worker's `openTcp` over `connect()` from `cloudflare:sockets`.
 */
import type { ByteStream } from './transport/types.js';
import type { PemInput } from './pem.js';
import type { CryptoProvider } from './crypto/types.js';
import type { CertificateCodec } from './handshake/cert-compression.js';

export interface TcpOptions {
  host: string;
  port: number;
  /** Aborting it before the connection is up gives up with an io_transport TlsError and frees the socket. */
  signal?: AbortSignal;
}

export interface Platform {
  /**
   * Opens a TCP connection and resolves once it is connected (rejects with an io_transport TlsError otherwise).
   * Used by connect({ host, port }) and request(url) when no transport is given.
   */
  openTcp?: (o: TcpOptions) => Promise<ByteStream>;
  /** The platform's trust store (PEM text or DER), or null when none is found; the default `ca` of connect(). */
  systemCa?: () => Promise<PemInput | null>;
  /**
   * The crypto provider connect() and accept() use by default (Node: node:crypto, src/crypto/provider-node.ts).
   * Absent: WebCrypto where the platform's passes the probe, noble for the rest.
   */
  cryptoProvider?: CryptoProvider;
  /** Fills a buffer with CSPRNG output (Node: randomFillSync). Absent: crypto.getRandomValues. */
  randomFill?: (out: Uint8Array) => void;
  /**
   * Certificate compression codecs (RFC 8879), most preferred first (Node: brotli and zlib from node:zlib). zlib
   * through CompressionStream is added where no codec here does zlib.
   */
  certificateCodecs?: readonly CertificateCodec[];
}

let current: Platform = {};

/** Installs platform hooks; members given replace the ones installed before, members left out are kept. */
export function setPlatform(hooks: Platform): void {
  current = { ...current, ...hooks };
}

/** The hooks installed so far (an empty object on a platform nobody described). */
export function platform(): Readonly<Platform> {
  return current;
}

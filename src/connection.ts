/**
 * A TLS connection over a ByteStream: the one place (with src/transport) that awaits I/O.
 * A pump moves bytes between the transport and the sans-I/O engine: flush outgoing first, then read.
 */
import { Engine, type HandshakeIO } from './engine.js';
import { TlsError, asTlsError } from './errors.js';
import type { ByteStream } from './transport/types.js';
import type { CipherSuite, ProtocolVersion, TlsVersion } from './crypto/suites.js';
import { versionName } from './crypto/suites.js';
import type { TlsSession } from './handshake/session.js';
import type { PeerCertificate } from './x509/peercert.js';

/** What a finished handshake tells the connection. */
export interface HandshakeResult {
  version: ProtocolVersion;
  suite: CipherSuite;
  alpnProtocol?: string;
  resumed: boolean;
  session?: TlsSession;
  /** The peer's certificate chain as received, DER, leaf first. */
  peerChain: Uint8Array[];
  /** Outcome of certificate verification (verify 'optional' records failures here instead of failing). */
  verification: { ok: true } | { ok: false; code: string; message: string } | { ok: false; code: 'not_verified'; message: string };
  /** TLS 1.2 SNI the client sent / the server received. */
  serverName?: string;
  /** Stapled OCSP response, if the server sent one. */
  ocspResponse?: Uint8Array;
}

export type PeerCertificateLoader = (der: Uint8Array) => PeerCertificate;

/** A byte stream with the pump running: create with `establish()`. */
export class TlsConnection implements ByteStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  private closing: Promise<void> | null = null;
  private writerClosed = false;

  constructor(
    private readonly engine: Engine<HandshakeResult>,
    private readonly result: HandshakeResult,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly writer: WritableStreamDefaultWriter<Uint8Array>,
    private readonly toPeerCert: PeerCertificateLoader,
  ) {
    this.readable = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => this.pull(controller),
        cancel: () => this.shutdown(),
      },
      { highWaterMark: 0 },
    );
    this.writable = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        await this.engine.send(chunk);
        await this.flush();
      },
      close: () => this.close(),
      abort: () => this.shutdown(),
    });
  }

  get version(): TlsVersion {
    return versionName(this.result.version) as TlsVersion;
  }
  get cipherSuite(): string {
    return this.result.suite.name;
  }
  get alpnProtocol(): string | undefined {
    return this.result.alpnProtocol;
  }
  get resumed(): boolean {
    return this.result.resumed;
  }
  get session(): TlsSession | undefined {
    return this.result.session;
  }
  get serverName(): string | undefined {
    return this.result.serverName;
  }
  get ocspResponse(): Uint8Array | undefined {
    return this.result.ocspResponse;
  }
  /** Certificate verification outcome: `{ ok: true }`, or why it failed (only seen with verify 'optional'/'none'). */
  get verification(): HandshakeResult['verification'] {
    return this.result.verification;
  }

  /** The peer's certificate, shaped like Python's SSLSocket.getpeercert() (undefined when none was sent). */
  peerCertificate(): PeerCertificate | undefined {
    const leaf = this.result.peerChain[0];
    return leaf ? this.toPeerCert(leaf) : undefined;
  }
  /** DER certificates, leaf first, as received. */
  peerCertificateChain(): Uint8Array[] {
    return this.result.peerChain.map((c) => c.slice());
  }

  /** Send close_notify and end our writing side. Reading goes on until the peer closes. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        await this.engine.close();
        await this.flush().catch(() => {});
        await this.closeWriter();
      })();
    }
    return this.closing;
  }

  private async closeWriter(): Promise<void> {
    if (this.writerClosed) return;
    this.writerClosed = true;
    await this.writer.close().catch(() => {});
  }

  private async shutdown(): Promise<void> {
    await this.close();
    await this.reader.cancel().catch(() => {});
  }

  private async flush(): Promise<void> {
    for (let b = this.engine.takeOutgoing(); b; b = this.engine.takeOutgoing()) {
      if (this.writerClosed) return;
      await this.writer.write(b);
    }
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      const data = this.engine.takeReceived();
      if (data) {
        controller.enqueue(data);
        return;
      }
      if (this.engine.error) {
        await this.flush().catch(() => {});
        await this.closeWriter();
        controller.error(this.engine.error);
        return;
      }
      if (this.engine.peerClosed) {
        await this.flush().catch(() => {});
        // Both sides have said close_notify (the engine answers the peer's): the transport can go.
        await this.closeWriter();
        controller.close();
        return;
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await this.reader.read();
      } catch (e) {
        this.engine.fail(e instanceof TlsError ? e : new TlsError('io_transport', `transport error: ${String(e)}`, { cause: e }), false);
        continue;
      }
      if (chunk.done) this.engine.receiveEof();
      else await this.engine.receive(chunk.value).catch(() => {});
      await this.flush().catch(() => {});
    }
  }
}

/**
 * Run a handshake over a transport and return the connection, or reject with the TlsError
 * (after sending the fatal alert and closing the transport).
 */
export async function establish(
  transport: ByteStream,
  engine: Engine<HandshakeResult>,
  run: (io: HandshakeIO) => Promise<HandshakeResult>,
  toPeerCert: PeerCertificateLoader,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<TlsConnection> {
  const reader = transport.readable.getReader();
  const writer = transport.writable.getWriter();
  const flush = async () => {
    for (let b = engine.takeOutgoing(); b; b = engine.takeOutgoing()) await writer.write(b);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const abort = (why: TlsError) => {
    engine.fail(why);
    reader.cancel().catch(() => {});
  };
  const onAbort = () => abort(new TlsError('io_timeout', 'the handshake was aborted'));
  try {
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => abort(new TlsError('io_timeout', `the handshake took longer than ${opts.timeoutMs} ms`)), opts.timeoutMs);
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    await engine.start(run).catch(() => {});
    await flush();
    while (engine.state === 'handshaking') {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (engine.error) break;
        throw e instanceof TlsError ? e : new TlsError('io_transport', `transport error: ${String(e)}`, { cause: e });
      }
      if (chunk.done) engine.receiveEof();
      else await engine.receive(chunk.value).catch(() => {});
      await flush();
    }
    const result = await engine.handshake;
    return new TlsConnection(engine, result, reader, writer, toPeerCert);
  } catch (e) {
    const err = engine.error ?? asTlsError(e);
    await flush().catch(() => {});
    await writer.close().catch(() => {});
    await reader.cancel().catch(() => {});
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A TLS connection over a ByteStream: the one place (with src/transport) that awaits I/O.
 * A pump moves bytes between the transport and the sans-I/O engine: flush outgoing first, then read.
 */
import { Engine, deferred, type Deferred, type HandshakeIO } from './engine.js';
import { TlsError, asTlsError } from './errors.js';
import { giveUp, type ByteStream } from './transport/types.js';
import type { TlsVersion } from './crypto/suites.js';
import { unrefTimer } from './timeouts.js';
import { channelBinding, exportKeyingMaterial, finishedOf, type ChannelBindingType } from './exporter.js';
import { versionName } from './crypto/suites.js';
import type { TlsSession } from './handshake/session.js';
import type { HandshakeResult } from './handshake/io.js';
import type { PeerCertificate } from './x509/peercert.js';

/** What a finished handshake tells the connection. */
export type { HandshakeResult };

/** The peer's certificate from its chain (leaf first), with the issuers it sent linked (peer.ts). */
export type PeerCertificateLoader = (chain: Uint8Array[]) => PeerCertificate | undefined;

/**
 * Bytes a writer may have accepted but not yet sealed and flushed (sixteen 16 KiB records). WebCrypto on Node
 * hands every operation to a thread pool, and records handed over in batches keep it busy where records one
 * at a time leave it waking up for each (measured: 64 KiB here gave about 200 MB/s of AES-GCM, 256 KiB 300).
 */
const MAX_IN_FLIGHT = 256 * 1024;

/** A byte stream with the pump running: create with `establish()`. */
export class TlsConnection implements ByteStream {
  /** Made on first use: Node's ReadableStream and WritableStream cost about 6 KB a pair, more than the TLS state. */
  private readableStream: ReadableStream<Uint8Array> | null = null;
  private writableStream: WritableStream<Uint8Array> | null = null;
  private closing: Promise<void> | null = null;
  private builtSession: TlsSession | undefined;
  private writerClosed = false;
  /** Writes accepted but not yet sealed and flushed, and their bytes. */
  private pendingWrites = 0;
  private inFlightBytes = 0;
  /** The write waiting for inFlightBytes to fall to MAX_IN_FLIGHT, and close() waiting for no pending write. */
  private room: Deferred<void> | null = null;
  private drained: Deferred<void> | null = null;
  /** Accepted writes whose records are not sealed yet, and the flush the sealed ones wait for. */
  private unsealed = 0;
  private batchFlushed: Deferred<void> | null = null;
  /** The first failure of an accepted write (engine or transport): every later write reports it. */
  private writeFailure: { error: unknown } | null = null;
  /** The last receive() handed to the engine and not yet seen to settle (it settles after every earlier one). */
  private receiving: Promise<void> | null = null;
  /** A transport read started ahead while records were being opened. */
  private nextChunk: Promise<ReadableStreamReadResult<Uint8Array> | { error: unknown }> | null = null;

  /** The idle timeout: its length, the last transport read or write, and the timer that checks it. */
  private idle: { ms: number; last: number; timer: ReturnType<typeof setTimeout> | undefined } | null = null;

  constructor(
    private readonly engine: Engine<HandshakeResult>,
    private readonly result: HandshakeResult,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly writer: WritableStreamDefaultWriter<Uint8Array>,
    private readonly toPeerCert: PeerCertificateLoader,
    writeFailure?: unknown,
  ) {
    // A transport the peer closed right after the handshake (its FIN came with its Finished, an answer and its
    // close_notify) refuses our answer to that close_notify: the writer is told, the reader still gets the data.
    if (writeFailure !== undefined) this.writeFailure = { error: writeFailure };
    // TLS 1.3: each NewSessionTicket the server sends after the handshake is a newer session.
    result.watchSessions?.((s) => {
      this.builtSession = s;
      for (const l of [...this.sessionListeners]) {
        try {
          l(s);
        } catch {
          // A listener's failure is its own; the connection and the other listeners go on.
        }
      }
    });
  }

  private readonly sessionListeners = new Set<(session: TlsSession) => void>();

  /**
   * Calls `listener` with every session this connection makes from now on (Node's 'session' event): in TLS 1.3
   * one per NewSessionTicket, which the server sends after the handshake and which is read with the application
   * data (so only a connection that reads gets them). `session` is the latest. Returns a function that unsubscribes.
   */
  onSession(listener: (session: TlsSession) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  /**
   * Fail the connection with io_timeout once no byte has moved on the transport for `ms` milliseconds. One timer,
   * re-armed for the time left when it fires: reads and writes only note the time.
   */
  startIdleTimer(ms: number): void {
    this.idle = { ms, last: Date.now(), timer: undefined };
    this.armIdle(ms);
  }

  private armIdle(delay: number): void {
    if (!this.idle) return;
    this.idle.timer = unrefTimer(setTimeout(() => this.checkIdle(), delay));
  }

  private checkIdle(): void {
    const idle = this.idle;
    if (!idle) return;
    const left = idle.last + idle.ms - Date.now();
    if (left > 0) return this.armIdle(left);
    this.idle = null;
    void this.failIdle(idle.ms);
  }

  private stopIdle(): void {
    if (this.idle?.timer) clearTimeout(this.idle.timer);
    this.idle = null;
  }

  private touch(): void {
    if (this.idle) this.idle.last = Date.now();
  }

  /** The idle timeout fired: alert, close the transport; a pending read wakes up to the error, writes get it too. */
  private failIdle(ms: number): Promise<void> {
    return this.failWith(new TlsError('io_timeout', `the connection was idle for ${ms} ms (idleTimeout)`));
  }

  /**
   * Tear the connection down now (Node's socket.destroy()). With an error: the fatal alert that goes with its code is
   * sent, and reads and writes fail with it. Without: close_notify is sent, and the transport closed without waiting
   * for the peer's. Either way the transport is closed when this resolves.
   */
  async destroy(error?: TlsError): Promise<void> {
    if (error) await this.failWith(error);
    else await this.shutdown();
    this.stopIdle();
  }

  /** After the handshake, a failure found outside the record layer (e.g. checkServerIdentity on a resumed session). */
  recordVerificationFailure(e: TlsError): void {
    if (this.result.verification.ok) this.result.verification = { ok: false, code: e.code, message: e.message };
  }

  private async failWith(err: TlsError): Promise<void> {
    this.engine.fail(err);
    this.writeFailure ??= { error: err };
    await this.flush().catch(() => {});
    await this.closeWriter();
    await this.reader.cancel(err).catch(() => {});
  }

  /** Decrypted application data. Nothing is read from the transport until someone reads here. */
  get readable(): ReadableStream<Uint8Array> {
    return (this.readableStream ??= new ReadableStream<Uint8Array>(
      {
        pull: (controller) => this.pull(controller),
        cancel: () => this.shutdown(),
      },
      { highWaterMark: 0 },
    ));
  }

  /** Application data to send; closing it sends close_notify. */
  get writable(): WritableStream<Uint8Array> {
    return (this.writableStream ??= new WritableStream<Uint8Array>({
      write: (chunk) => this.write(chunk),
      close: async () => {
        await this.allSent(); // a failed write fails the close too
        await this.close();
      },
      abort: () => this.shutdown(),
    }));
  }

  get version(): TlsVersion {
    return versionName(this.result.version) as TlsVersion;
  }
  get cipherSuite(): string {
    return this.result.suite.name;
  }
  /** The group of the key exchange ('x25519', 'secp256r1', 'ffdhe2048', ...); undefined for RSA key exchange and resumption. */
  get group(): string | undefined {
    return this.result.group;
  }
  /** TLS 1.3: the algorithm the server's certificate was compressed with (RFC 8879): 'brotli', 'zlib'; else undefined. */
  get certificateCompression(): string | undefined {
    return this.result.certificateCompression;
  }
  get alpnProtocol(): string | undefined {
    return this.result.alpnProtocol;
  }
  /**
   * TLS 1.3 0-RTT: whether the early data was accepted (a server's first reads are then that data); undefined when
   * none was offered or the version is not 1.3. A client with `earlyData` that the server refused, or that no ticket
   * allowed to send early, sees false: connect() then sent the data right after the handshake.
   */
  get earlyDataAccepted(): boolean | undefined {
    return this.result.earlyDataAccepted;
  }
  /**
   * The peer's end came without close_notify (a "ragged EOF", ended cleanly under suppressRaggedEofs): the data
   * read may have been cut short by whoever could cut the transport. Matters only where the end of the connection
   * ends a message (an HTTP body without a length); false while open and after a close_notify.
   */
  get truncated(): boolean {
    return this.engine.truncated;
  }
  get resumed(): boolean {
    return this.result.resumed;
  }
  get session(): TlsSession | undefined {
    if (this.builtSession === undefined && this.result.session) this.builtSession = this.result.session();
    return this.builtSession;
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

  private side: 'client' | 'server' = 'client';
  /** Which end of the connection this is. */
  get role(): 'client' | 'server' {
    return this.side;
  }
  /** Set once by establish() for connect() / accept(). */
  setRole(role: 'client' | 'server'): void {
    this.side = role;
  }

  /**
   * Keying material: `length` bytes for `label`, with an optional `context`. TLS 1.0–1.2 by RFC 5705 (absent and
   * empty contexts differ; refused with protocol_no_ems when extended master secret was not negotiated, as RFC 7627
   * requires), TLS 1.3 by RFC 8446 §7.5. Equal to Node's tlsSocket.exportKeyingMaterial() on the other end.
   * A promise, since TLS 1.3 derives through the (possibly asynchronous) crypto provider.
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Promise<Uint8Array> {
    return exportKeyingMaterial(this.result, this.engine.provider, length, label, context);
  }

  /**
   * A channel binding: 'tls-unique' and 'tls-server-end-point' (RFC 5929, what SCRAM-SHA-256-PLUS uses with
   * TLS 1.2), 'tls-exporter' (RFC 9266, the TLS 1.3 one).
   */
  getChannelBinding(type: ChannelBindingType): Promise<Uint8Array> {
    return channelBinding(this.result, this.engine.provider, this.role, type);
  }

  /** The verify_data of the latest Finished we sent (Node's getFinished()). */
  getFinished(): Uint8Array | undefined {
    return finishedOf(this.result, this.role, 'mine');
  }

  /** The verify_data of the latest Finished the peer sent (Node's getPeerFinished()). */
  getPeerFinished(): Uint8Array | undefined {
    return finishedOf(this.result, this.role, 'peer');
  }

  /**
   * TLS 1.3: change our sending key now (KeyUpdate, RFC 8446 §4.6.3) and, unless `requestPeer` is false, ask the
   * peer to change its own. The engine also does this by itself before a key reaches its record limit. Rejects on
   * a TLS 1.2 connection.
   */
  async updateKeys(requestPeer = true): Promise<void> {
    await this.allSent();
    await this.engine.updateKeys(requestPeer);
    await this.flush();
  }

  /**
   * TLS 1.3 server: ask the client for its certificate now (post-handshake authentication, RFC 8446 §4.6.2; what
   * OpenSSL's SSL_verify_client_post_handshake does). Sends a CertificateRequest and resolves with the client's
   * certificate once its answer has been read and verified against `ca` (the client-auth policy of the handshake);
   * `peerCertificate()` and `verification` report it from then on. The answer is read with the application data:
   * keep reading `readable` meanwhile. `required` (default true): an answer without a certificate fails the
   * connection with certificate_required; false: it resolves undefined. A bad answer (wrong context, bad signature,
   * untrusted chain) fails the connection and rejects with its TlsError. Refused (config_invalid, the connection
   * untouched) where it cannot be asked: not TLS 1.3, a client connection, the client did not offer
   * post_handshake_auth, no `ca`, or a request already waiting.
   */
  async requestClientCertificate(o: { required?: boolean } = {}): Promise<PeerCertificate | undefined> {
    await this.allSent();
    const { answer } = await this.engine.requestClientCertificate({ required: o.required ?? true });
    await this.flush();
    const a = await answer;
    if (!a.peerChain.length) return undefined; // not required, none sent: what the handshake found stands
    this.result.peerChain = a.peerChain;
    this.result.verification = a.verification;
    return this.toPeerCert(a.peerChain);
  }

  /** The peer's certificate, shaped like Python's SSLSocket.getpeercert() (undefined when none was sent). */
  peerCertificate(): PeerCertificate | undefined {
    return this.toPeerCert(this.result.peerChain);
  }
  /** DER certificates, leaf first, as received. */
  peerCertificateChain(): Uint8Array[] {
    return this.result.peerChain.map((c) => c.slice());
  }

  /**
   * Send close_notify and end our writing side. Reading goes on until the peer closes; the transport's writing
   * side is closed at once when nobody reads, else when the peer's close_notify (or the end) has been read.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        // Writes already accepted go out first, each flushed to the transport, as they were before close().
        await this.allSent().catch(() => {});
        await this.engine.close();
        await this.flush().catch(() => {});
        // While the application still reads, the transport stays open for the peer's answer: a peer that stops
        // writing once it sees the end of our stream (a Node socket without allowHalfOpen does) would otherwise
        // lose the data and close_notify it still has to send. The read side ends it once the peer has closed.
        if (!this.readableStream?.locked || (this.result.version === 0x0304 && this.engine.peerClosed)) await this.closeWriter();
      })();
    }
    return this.closing;
  }

  private async closeWriter(): Promise<void> {
    if (this.writerClosed) return;
    this.stopIdle();
    this.writerClosed = true;
    await this.writer.close().catch(() => {});
  }

  private async shutdown(): Promise<void> {
    await this.close();
    await this.closeWriter();
    await this.reader.cancel().catch(() => {});
  }

  /**
   * Accepts the next chunk while earlier ones are still being sealed (records are numbered in call order,
   * so the wire order is the write order), up to MAX_IN_FLIGHT bytes; then waits for earlier ones to go out.
   * With an async provider this keeps several records in the cipher at once instead of one seal per round trip.
   * (The WritableStream calls this for one chunk at a time.)
   */
  private async write(chunk: Uint8Array): Promise<void> {
    this.throwIfWriteFailed();
    // A write the engine refuses outright (we sent close_notify, e.g. in answer to the peer's, or the connection
    // failed) fails itself: otherwise it would be accepted here and only the next write would hear of it, and
    // whether an earlier flush had already failed would decide (with a synchronous provider it had not).
    if (this.engine.state !== 'open') await this.engine.send(chunk);
    const bytes = chunk.length;
    this.pendingWrites++;
    this.inFlightBytes += bytes;
    this.sealThenFlush(chunk).then(
      () => this.writeSettled(bytes),
      (error: unknown) => {
        this.writeFailure ??= { error }; // reported by this write or the next, and by close()
        this.writeSettled(bytes);
      },
    );
    if (this.inFlightBytes > MAX_IN_FLIGHT) await (this.room ??= deferred()).promise;
    this.throwIfWriteFailed();
  }

  private writeSettled(bytes: number): void {
    this.inFlightBytes -= bytes;
    if (this.room && this.inFlightBytes <= MAX_IN_FLIGHT) {
      this.room.resolve();
      this.room = null;
    }
    if (--this.pendingWrites === 0 && this.drained) {
      this.drained.resolve();
      this.drained = null;
    }
  }

  /** Settles once every accepted write has been sealed and flushed; rejects with the first failure. */
  private async allSent(): Promise<void> {
    if (this.pendingWrites > 0) await (this.drained ??= deferred()).promise;
    this.throwIfWriteFailed();
  }

  /**
   * Seals the chunk's records and flushes them, together with those of every write sealed meanwhile, once no
   * accepted write is left unsealed: one transport write per batch, so the peer receives (and opens) the batch
   * together too. A lone write is flushed as soon as it is sealed.
   */
  private sealThenFlush(chunk: Uint8Array): Promise<void> {
    this.unsealed++;
    const sealed = () => {
      if (--this.unsealed > 0) return (this.batchFlushed ??= deferred()).promise;
      const waiting = this.batchFlushed;
      this.batchFlushed = null;
      const flushed = this.flush();
      if (waiting) flushed.then(waiting.resolve, waiting.reject);
      return flushed;
    };
    return this.engine.send(chunk).then(sealed, (e: unknown) => {
      sealed().catch(() => {}); // the other writes of the batch still go out; this one reports its failure
      throw e;
    });
  }

  /** A method, so TypeScript does not narrow writeFailure across the awaits above. */
  private throwIfWriteFailed(): void {
    if (this.writeFailure) throw this.writeFailure.error;
  }

  private flush(): Promise<void> {
    this.touch();
    return flushEngine(this.engine, this.writer, () => this.writerClosed);
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      const parts = this.engine.takeReceivedParts();
      if (parts.length) {
        // Each record's plaintext as its own chunk: a reader taking several gets them without a copy.
        for (const p of parts) controller.enqueue(p);
        return;
      }
      if (this.receiving) {
        // Records are still being opened: wait for them, or read ahead so the next ones are opened meanwhile.
        this.nextChunk ??= this.readChunk();
        const first = await Promise.race([this.nextChunk.then(() => 'chunk' as const), this.receiving.then(() => 'received' as const)]);
        if (first === 'received') {
          this.receiving = null;
          await this.flush().catch(() => {});
          continue;
        }
      }
      if (this.engine.error && !this.receiving) {
        await this.flush().catch(() => {});
        await this.closeWriter();
        controller.error(this.engine.error);
        return;
      }
      if (this.engine.peerClosed && !this.receiving) {
        // TLS 1.2: our close_notify answers the peer's now that the application has read everything before it, so
        // after the writes it has made meanwhile (an echo of the last data), which close() sends first.
        if (this.result.version !== 0x0304) await this.close();
        await this.flush().catch(() => {});
        // Both sides have said close_notify (TLS 1.2 answered just above): the transport can go.
        // TLS 1.3 closes each direction on its own (RFC 8446 §6.1): until we close, the transport stays for writing.
        if (this.result.version !== 0x0304 || this.engine.closeSent) await this.closeWriter();
        controller.close();
        return;
      }
      const chunk = await (this.nextChunk ?? this.readChunk());
      this.nextChunk = null;
      if ('error' in chunk || chunk.done) {
        // The end (or a transport error) comes after every record read before it.
        await this.receiving;
        this.receiving = null;
        if ('error' in chunk) {
          this.engine.fail(transportError(chunk.error), false);
        } else this.engine.receiveEof();
        await this.flush().catch(() => {});
        continue;
      }
      // Not awaited: the records are opened while the loop reads on; `receiving` settles after all of them.
      this.receiving = this.engine.receive(chunk.value).catch(() => {});
    }
  }

  /** The next transport chunk, or the transport's error. */
  private readChunk(): Promise<ReadableStreamReadResult<Uint8Array> | { error: unknown }> {
    return this.reader.read().then(
      (r) => {
        this.touch();
        return r;
      },
      (error: unknown) => ({ error }),
    );
  }
}

/** A failed transport read, as the error the connection reports. */
function transportError(e: unknown): TlsError {
  return e instanceof TlsError ? e : new TlsError('io_transport', `transport error: ${String(e)}`, { cause: e });
}

/**
 * Write everything the engine has queued to the transport, in order (stopping once `closed()` says so). Each buffer
 * is fresh and never touched again, so the transport may keep it rather than copy it.
 */
async function flushEngine(engine: Engine<HandshakeResult>, writer: WritableStreamDefaultWriter<Uint8Array>, closed = () => false): Promise<void> {
  for (let b = engine.takeOutgoing(); b; b = engine.takeOutgoing()) {
    if (closed()) return;
    await writer.write(giveUp(b));
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
  opts: { signal?: AbortSignal; timeoutMs?: number; idleTimeout?: number; role?: 'client' | 'server' } = {},
): Promise<TlsConnection> {
  const reader = transport.readable.getReader();
  const writer = transport.writable.getWriter();
  engine.answerCloseAtOnce = false; // the connection's reader answers the peer's close_notify (see pull())
  const flush = () => flushEngine(engine, writer);
  // A write that fails once the handshake is complete (the peer answered, closed and went: our answer to its
  // close_notify finds the transport shut) is the writer's problem, not the handshake's: the data the peer sent
  // before closing must still reach the reader. Kept for the connection's writes. During the handshake it fails it,
  // except once a TLS 1.3 server has checked the client's Finished (engine.handshakeConfirmed: tickets are an offer).
  let lateWriteFailure: unknown;
  const flushAfterReceive = () =>
    flush().catch((e: unknown) => {
      // Only once the peer has said close_notify: it finished the handshake and is done. A peer that went without
      // it may not have received our last flight, and the handshake fails as before.
      // A TLS 1.3 server whose client's Finished checked out: the client has all it needs, tickets are an offer.
      if (engine.handshakeConfirmed) {
        lateWriteFailure ??= e;
        return;
      }
      if ((engine.state !== 'open' && engine.state !== 'closed') || !engine.peerClosed) throw e;
      lateWriteFailure ??= e;
    });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const abort = (why: TlsError) => {
    engine.fail(why);
    reader.cancel().catch(() => {});
  };
  // A TimeoutSignal's reason says what took too long; any other abort reads as the handshake being aborted.
  const onAbort = () => {
    const reason: unknown = opts.signal?.reason;
    abort(reason instanceof TlsError ? reason : new TlsError('io_timeout', 'the handshake was aborted', { cause: reason }));
  };
  try {
    if (opts.timeoutMs) {
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
        throw transportError(e);
      }
      if (chunk.done) {
        engine.receiveEof();
        // Nothing more will come: let the flow finish (it fails if the end came before it could).
        if (engine.state === 'handshaking') await engine.handshake.catch(() => {});
      } else await engine.receive(chunk.value).catch(() => {});
      await flushAfterReceive();
    }
    const result = await engine.handshake;
    const conn = new TlsConnection(engine, result, reader, writer, toPeerCert, lateWriteFailure);
    if (opts.role) conn.setRole(opts.role);
    if (opts.idleTimeout) conn.startIdleTimer(opts.idleTimeout);
    return conn;
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

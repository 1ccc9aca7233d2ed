/**
 * The sans-I/O engine: bytes in, bytes out, application data and events. It owns no socket and no timer;
 * randomness, the clock and the crypto provider come from its options.
 *
 * Every call (start, receive, send, close) resolves once the engine is quiet again: all complete records in
 * the input were processed and the handshake is either waiting for its next message or finished. After each
 * call, `takeOutgoing()` has whatever must go on the wire and `takeReceived()` any application data.
 *
 * The first error is sticky: a fatal alert is queued for the peer and every later call reports the same error.
 */
import { AlertDescription, TlsError, asTlsError, peerAlertError, alertName } from './errors.js';
import { Deframer, type RawRecord } from './record/deframer.js';
import { nullProtection, type OpenedRecord, type Protection } from './record/protection.js';
import { sealRecordParts, sealRecordPartsSync } from './record/writer.js';
import { ContentType, MAX_PLAINTEXT } from './record/constants.js';
import { HandshakeFramer, HandshakeType, MAX_CLIENT_HELLO, encodeHandshake, handshakeTypeName, type HandshakeMessage } from './handshake/framer.js';
import { TLS10 } from './crypto/suites.js';
import type { CryptoProvider, RandomSource } from './crypto/types.js';
import { defaultRandom } from './crypto/random.js';
import { concat } from './bytes.js';
import { Transcript } from './handshake/transcript.js';
import type { CertificateRequester, ClientCertificateAnswer, ClientCertificateRequest, HandshakeIO } from './handshake/io.js';
import { nobleProvider } from './crypto/provider-noble.js';

export interface EngineLimits {
  /** Largest handshake message accepted (bytes); Certificate messages have their own cap. Default 64 KiB. */
  maxHandshakeMessage?: number;
  /** Largest Certificate message accepted (bytes). Default 256 KiB. */
  maxCertificateMessage?: number;
  /** Largest ClientHello accepted (bytes). Default 131,396, as OpenSSL. */
  maxClientHello?: number;
  /** Consecutive empty records tolerated before the peer is considered hostile. Default 32. */
  maxEmptyRecords?: number;
  /** Consecutive warning alerts tolerated. Default 16. */
  maxWarningAlerts?: number;
  /** Most certificates accepted in one Certificate message (the peer's chain). Default 16. */
  maxCertificates?: number;
  /**
   * TLS 1.3: records sent under one key before we change it with a KeyUpdate. Default: the cipher's limit
   * (2^24.5 for AES-GCM, RFC 8446 §5.5; none below 2^64 for ChaCha20-Poly1305).
   */
  keyUpdateAfterRecords?: number;
}

export interface EngineOptions {
  /**
   * Which side this engine plays. A server refuses HelloRequest (only servers send it) with unexpected_message; a
   * client, or an engine whose role is not given, ignores it during a handshake as RFC 5246 §7.4.1.1 asks.
   */
  role?: 'client' | 'server';
  random?: RandomSource;
  now?: () => Date;
  provider?: CryptoProvider;
  limits?: EngineLimits;
  /**
   * The transport ending without close_notify once the handshake is done, at a record boundary (a "ragged EOF"):
   * true ends the application data cleanly and sets `truncated`, as Node's tls, Python's ssl
   * (suppress_ragged_eofs=True) and Go do; false fails with io_truncated. An end during the handshake or inside a
   * record is io_truncated either way. Omitted: true.
   */
  suppressRaggedEofs?: boolean;
}

export type Deferred<T> = { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void };
export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // observed elsewhere; never an unhandled rejection
  return { promise, resolve, reject };
}

/** The contract types moved to the handshake layer; re-exported for the code that imported them from here. */
export { Transcript, type HandshakeIO };

/** The least a TLS 1.3 record adds to its plaintext: the AEAD tag (16) and the inner content type (1). */
const EARLY_RECORD_OVERHEAD = 17;

export type EngineState = 'new' | 'handshaking' | 'open' | 'closed' | 'failed';

/** What a call that finished its work in the caller's turn returns. */
const DONE: Promise<void> = Promise.resolve();

export class Engine<R = unknown> {
  readonly role: 'client' | 'server' | undefined;
  readonly random: RandomSource;
  readonly now: () => Date;
  readonly provider: CryptoProvider;
  private readonly limits: Required<EngineLimits>;

  private readonly deframer = new Deframer();
  private readonly framer: HandshakeFramer;
  private readProt: Protection = nullProtection();
  private writeProt: Protection = nullProtection();
  /** Read protection is in place (the first setReadProtection): records are protected from here on. */
  private readEncrypted = false;
  /** Record version we write; the first ClientHello goes out as 0x0301, as servers expect. */
  private writeVersion: number = TLS10;
  /** Record version required of incoming records once negotiated (null: any 3.x). */
  private readVersion: number | null = null;
  private maxFragment = MAX_PLAINTEXT;
  /** TLS 1.3 negotiated: its alert, ChangeCipherSpec and record rules apply. */
  private tls13 = false;
  /** Bumped at every read key change, so records opened ahead under an older key are opened again. */
  private readGen = 0;
  private postHandshake: ((m: HandshakeMessage) => Promise<void>) | null = null;
  private keyUpdater: ((requestPeer: boolean) => Promise<void>) | null = null;
  private keyUpdating: Promise<void> | null = null;
  private certRequester: CertificateRequester | null = null;
  /** Post-handshake client authentications waiting for the client's answer: a failure or the peer's close ends them. */
  private certAnswers = new Set<Deferred<ClientCertificateAnswer>>();
  /** TLS 1.0 CBC: split application data 1/n-1 (BEAST counter-measure). */
  private splitFirstByte = false;
  /**
   * TLS 1.3 server: the client's early data we did not accept, being skipped (RFC 8446 §4.2.10): `left` bytes of
   * record fragments may still go. 'trial': records that do not open under the handshake keys; 'plain': every
   * application_data record until the next record of another type (after a HelloRetryRequest, nothing is protected).
   */
  private earlySkip: { left: number; how: 'trial' | 'plain' } | null = null;
  /** TLS 1.3 server: early data accepted, delivered ahead of the handshake's end; `left` plaintext bytes may still come. */
  private earlyData: { left: number } | null = null;
  /** The peer's Finished checked out (TLS 1.3 server): its close_notify or end no longer fails the handshake. */
  private confirmed = false;

  private out: Uint8Array[] = [];
  private received: Uint8Array[] = [];
  private receivedBytes = 0;
  private emptyRecords = 0;
  private warningAlerts = 0;

  private _state: EngineState = 'new';
  private _error: TlsError | null = null;
  /** We sent close_notify. */
  private sentClose = false;
  /** The peer sent close_notify, or (suppressRaggedEofs) its end came at a record boundary: no more data will come. */
  private _peerClosed = false;
  /** The peer's end came without close_notify, after the handshake (suppressRaggedEofs): the data may be cut short. */
  private _truncated = false;
  private readonly suppressRaggedEofs: boolean;
  /**
   * Answer the peer's close_notify as soon as it is read. TlsConnection turns this off and answers when the
   * application reads the end: a peer often sends its last data and close_notify in one flight (a client writing
   * its request and closing), and answering at once would refuse the application's reply to that data.
   */
  answerCloseAtOnce = true;

  readonly transcript = new Transcript();
  private hsWait: { types: number[]; d: Deferred<HandshakeMessage> } | null = null;
  private ccsWait: Deferred<void> | null = null;
  private idle: Deferred<void> = deferred();
  private readonly result = deferred<R>();
  /** Writes queued on writeChain that take their sequence number only when they run. */
  private lazyWrites = 0;
  /** Serialises record writes so sequence numbers match the order on the wire. */
  private writeChain: Promise<void> = Promise.resolve();
  /** Links on writeChain not yet settled: none means a write may go straight to `out`. */
  private writeLinks = 0;
  /** send() calls waiting (for a key update) before they issue their write. */
  private queuedSends = 0;
  /** receive() calls queued on readChain that deframe and open their records only when they run. */
  private lazyReceives = 0;
  /** Serialises receive() calls. */
  private readChain: Promise<void> = Promise.resolve();
  /** Links on readChain not yet settled: none means received records may be handled in the caller's turn. */
  private readLinks = 0;

  constructor(opts: EngineOptions = {}) {
    this.random = opts.random ?? defaultRandom;
    this.now = opts.now ?? (() => new Date());
    this.provider = opts.provider ?? nobleProvider;
    this.limits = {
      maxHandshakeMessage: opts.limits?.maxHandshakeMessage ?? 65536,
      maxCertificateMessage: opts.limits?.maxCertificateMessage ?? 262144,
      maxEmptyRecords: opts.limits?.maxEmptyRecords ?? 32,
      maxWarningAlerts: opts.limits?.maxWarningAlerts ?? 16,
      maxCertificates: opts.limits?.maxCertificates ?? 16,
      maxClientHello: opts.limits?.maxClientHello ?? MAX_CLIENT_HELLO,
      keyUpdateAfterRecords: opts.limits?.keyUpdateAfterRecords ?? 0,
    };
    this.framer = new HandshakeFramer(this.limits.maxHandshakeMessage, this.limits.maxCertificateMessage, this.limits.maxClientHello);
    this.role = opts.role;
    this.suppressRaggedEofs = opts.suppressRaggedEofs ?? true;
  }

  get state(): EngineState {
    return this._state;
  }
  get error(): TlsError | null {
    return this._error;
  }
  get peerClosed(): boolean {
    return this._peerClosed;
  }
  /**
   * The application data ended without the peer's close_notify (suppressRaggedEofs): an attacker who can cut the
   * transport could have cut it short. Protocols that frame their own messages (HTTP with a length) do not care;
   * one whose message ends with the connection does.
   */
  /** The peer's Finished checked out while the flow still sends its last messages (TLS 1.3 server tickets). */
  get handshakeConfirmed(): boolean {
    return this.confirmed;
  }
  get truncated(): boolean {
    return this._truncated;
  }
  /** We sent close_notify (or the connection failed): nothing more will be written but a fatal alert. */
  get closeSent(): boolean {
    return this.sentClose || this._state === 'failed';
  }
  /** Resolves with the handshake function's result once the handshake is complete; rejects on failure. */
  get handshake(): Promise<R> {
    return this.result.promise;
  }

  /** Start the handshake function (client: it sends ClientHello at once; server: it waits for one). */
  async start(run: (io: HandshakeIO) => Promise<R>): Promise<void> {
    if (this._state !== 'new') throw new TlsError('internal_error', 'engine already started');
    this._state = 'handshaking';
    const io = this.makeIO();
    run(io).then(
      (r) => {
        if (this.hasFailed()) return;
        if (this.hsWait || this.ccsWait || this.framer.hasPartial()) {
          this.fail(new TlsError('internal_error', 'handshake ended while still waiting for a message'));
          return;
        }
        this._state = this.sentClose ? 'closed' : 'open';
        this.earlySkip = null;
        this.earlyData = null;
        this.transcript.clear();
        this.result.resolve(r);
        this.idle.resolve();
      },
      (e) => this.fail(asTlsError(e)),
    );
    await this.idle.promise;
    await this.writeChain;
    this.throwIfFailed();
  }

  /** Feed bytes from the transport. */
  receive(bytes: Uint8Array): Promise<void> {
    if (this._state === 'open' && this.lazyReceives === 0 && !this._peerClosed) return this.receiveOpen(bytes);
    this.lazyReceives++;
    return this.chainRead(() => {
      this.lazyReceives--;
      return this.receiveNow(bytes);
    });
  }

  /** Runs `fn` on readChain after every earlier receive; the result is the caller's, the chain never rejects. */
  private chainRead(fn: () => Promise<void>): Promise<void> {
    const p = this.readChain.then(fn);
    this.readLinks++;
    const settled = () => {
      this.readLinks--;
    };
    this.readChain = p.then(settled, settled);
    return p;
  }

  /** Runs `fn` on writeChain after every earlier write (see chainRead). */
  private chainWrite(fn: () => void | Promise<void>): Promise<void> {
    const p = this.writeChain.then(fn);
    this.writeLinks++;
    const settled = () => {
      this.writeLinks--;
    };
    this.writeChain = p.then(settled, settled);
    return p;
  }

  /**
   * After the handshake the read keys no longer change, so every complete record in `bytes` is handed to
   * the cipher at once (sequence numbers taken now, in arrival order) and the chain only dispatches them in
   * order: with an async provider several records are opened in parallel, also across receive() calls.
   * A framing or version error is reported after the records before it, as the one-at-a-time path does.
   *
   * With a synchronous cipher (node:crypto) and nothing earlier still queued, application data is opened and
   * handed over in this same turn, without a promise per record; the first record of another type (an alert, a
   * KeyUpdate, a ticket) and all after it take the queued path, since handling it may await or change keys.
   */
  private receiveOpen(bytes: Uint8Array): Promise<void> {
    const records: { type: number; version: number; fragment: Uint8Array; gen: number; opened: Promise<OpenedRecord> | null }[] = [];
    let stop: unknown = null;
    const prot = this.readProt;
    const sync = prot.openRecordSync !== undefined && this.readLinks === 0 && this.writeLinks === 0;
    let fast = sync;
    try {
      this.deframer.push(bytes);
      for (let rec = this.deframer.next(); rec; rec = this.deframer.next()) {
        this.checkRecordVersion(rec.type, rec.version);
        if (fast) {
          if (this.skipCompatCcs(rec.type, rec.fragment)) continue;
          const o = prot.openRecordSync!(rec.type, rec.version, rec.fragment);
          if (o.type === ContentType.application_data) {
            this.onApplicationData(o.data);
            continue;
          }
          fast = false;
          records.push({ type: rec.type, version: rec.version, fragment: rec.fragment, gen: this.readGen, opened: Promise.resolve(o) });
          continue;
        }
        const opened = this.skipCompatCcs(rec.type, rec.fragment) ? null : this.openRecord(rec.type, rec.version, rec.fragment);
        opened?.catch(() => {}); // awaited in order below; a later failure must not go unhandled meanwhile
        records.push({ type: rec.type, version: rec.version, fragment: rec.fragment, gen: this.readGen, opened });
      }
    } catch (e) {
      stop = e;
    }
    if (sync && records.length === 0 && stop === null) return DONE;
    return this.chainRead(async () => {
      this.throwIfFailed();
      try {
        for (const r of records) {
          if (this._peerClosed) return; // anything after close_notify is ignored (RFC 5246 §7.2.1)
          if (!r.opened) continue;
          // A KeyUpdate earlier in this batch changed the read key: this record was opened ahead under the old one.
          const rec = r.gen === this.readGen ? await r.opened : await this.openRecord(r.type, r.version, r.fragment);
          await this.dispatch(rec.type, rec.data);
          if (this.hasFailed()) break;
        }
        if (stop !== null && !this.hasFailed() && !this._peerClosed) throw stop;
      } catch (e) {
        this.fail(asTlsError(e));
      }
      await this.writeChain;
      this.throwIfFailed();
    });
  }

  private async receiveNow(bytes: Uint8Array): Promise<void> {
    this.throwIfFailed();
    if (this._peerClosed) {
      // Anything after close_notify is ignored (RFC 5246 §7.2.1).
      return;
    }
    try {
      this.deframer.push(bytes);
      for (let rec = await this.nextInOrder(); rec; rec = await this.nextInOrder()) {
        this.checkRecordVersion(rec.type, rec.version);
        // The handshake may change the read key after the message before this record (TLS 1.3): let it first.
        if (this._state === 'handshaking') await this.idle.promise;
        if (this.hasFailed()) break;
        if (this.skipCompatCcs(rec.type, rec.fragment)) continue;
        const opened = this.earlySkip ? await this.openOrSkipEarly(rec) : await this.openRecord(rec.type, rec.version, rec.fragment);
        if (!opened) continue;
        await this.dispatch(opened.type, opened.data);
        if (this._state === 'failed' || this._peerClosed) break;
      }
      // Let the handshake react to the last message too (it may send a whole flight, with awaits in between)
      // before reporting quiet: otherwise the pump goes back to reading while output is still being produced.
      if (this._state === 'handshaking') await this.idle.promise;
    } catch (e) {
      this.fail(asTlsError(e));
    }
    await this.writeChain;
    this.throwIfFailed();
  }

  /**
   * The next record. Records are handled strictly in order: a malformed one (a heartbeat record behind a
   * ClientHello in the same read) fails the connection only after the handshake has reacted to those before it.
   */
  private nextInOrder(): RawRecord | null | Promise<RawRecord | null> {
    try {
      return this.deframer.next();
    } catch (e) {
      if (this._state !== 'handshaking') throw e;
      return this.idle.promise.then(() => {
        throw e;
      });
    }
  }

  /** Opens a record under the current read protection, with its real content type (hidden inside in TLS 1.3). */
  private openRecord(type: number, version: number, fragment: Uint8Array): Promise<OpenedRecord> {
    const prot = this.readProt;
    // TLS 1.3: a peer that fails before it has our keys (on our ServerHello, say) can only send its alert in the
    // clear. Read it during the handshake, so the real reason is reported rather than unexpected_message.
    if (this.tls13 && type === ContentType.alert && this._state === 'handshaking' && prot.outerType !== undefined) {
      return Promise.resolve({ type, data: fragment });
    }
    if (prot.openRecord) return prot.openRecord(type, version, fragment);
    return prot.open(type, version, fragment).then((data) => ({ type, data }));
  }

  /**
   * A record while the client's rejected early data is being skipped (RFC 8446 §4.2.10): null when it is dropped.
   * Records that do not open are early data only up to the budget; past it, the record is what it looks like: one
   * that fails authentication (bad_record_mac), as it would have been without early data.
   */
  private async openOrSkipEarly(rec: RawRecord): Promise<OpenedRecord | null> {
    const skip = this.earlySkip!;
    if (rec.type !== ContentType.application_data) {
      if (skip.how === 'plain') this.earlySkip = null;
      return this.openRecord(rec.type, rec.version, rec.fragment);
    }
    if (skip.how === 'trial') {
      const prot = this.readProt;
      if (!prot.tryOpenRecord) {
        this.earlySkip = null;
        return this.openRecord(rec.type, rec.version, rec.fragment);
      }
      const opened = await prot.tryOpenRecord(rec.type, rec.version, rec.fragment);
      if (opened) {
        this.earlySkip = null;
        return opened;
      }
    }
    // Counted as plaintext: the fragment less the smallest overhead (tag and content type), as OpenSSL counts it.
    skip.left -= Math.max(0, rec.fragment.length - EARLY_RECORD_OVERHEAD);
    if (skip.left < 0) {
      throw new TlsError('crypto_bad_record_mac', 'records that do not authenticate, beyond the early data a client may send (max_early_data_size)');
    }
    return null;
  }

  /**
   * RFC 8446 §5: in TLS 1.3 an unprotected change_cipher_spec record of the one byte 0x01 may arrive during the
   * handshake (middlebox compatibility) and is dropped; any other, or one after the handshake, is
   * unexpected_message.
   */
  private skipCompatCcs(type: number, fragment: Uint8Array): boolean {
    if (!this.tls13 || type !== ContentType.change_cipher_spec) return false;
    if (this._state !== 'handshaking' || fragment.length !== 1 || fragment[0] !== 1) {
      throw new TlsError('protocol_unexpected_message', 'ChangeCipherSpec in TLS 1.3 outside the handshake, or malformed');
    }
    return true;
  }

  /**
   * Once negotiated, every record must carry the version. Except: a peer that fails on our hello answers before it
   * knows the version, so its unencrypted alert may carry the record version of its first flight; read it rather
   * than report protocol_version over the real reason.
   */
  private checkRecordVersion(type: number, version: number): void {
    if (this.readVersion === null || version === this.readVersion) return;
    if (type === ContentType.alert && !this.readEncrypted) return;
    throw new TlsError('protocol_version', `record version 0x${version.toString(16)} differs from the negotiated one`);
  }

  private async dispatch(type: number, plain: Uint8Array): Promise<void> {
    // Let the handshake finish reacting to earlier messages first: it decides what may come next
    // (a ChangeCipherSpec is only welcome once it has registered the next read keys).
    if (this._state === 'handshaking') await this.idle.promise;
    if (this.hasFailed()) return;
    if (plain.length === 0) {
      if (++this.emptyRecords > this.limits.maxEmptyRecords) {
        throw new TlsError('protocol_empty_records', `more than ${this.limits.maxEmptyRecords} empty records in a row`);
      }
    } else {
      this.emptyRecords = 0;
    }
    switch (type) {
      case ContentType.change_cipher_spec:
        return this.onChangeCipherSpec(plain);
      case ContentType.alert:
        return this.onAlert(plain);
      case ContentType.handshake:
        this.framer.push(plain);
        for (let m = this.framer.next(); m; m = this.framer.next()) {
          await this.onHandshake(m);
          if (this.hasFailed()) return;
        }
        return;
      case ContentType.application_data:
        if (this._state === 'handshaking' && this.earlyData) return this.onEarlyData(plain);
        return this.onApplicationData(plain, false);
      default:
        throw new TlsError('decode_bad_content_type', `unexpected record content type ${type}`);
    }
  }

  /** Accepted 0-RTT data (RFC 8446 §4.2.10): kept for the application, within max_early_data_size. */
  private onEarlyData(plain: Uint8Array): void {
    if (this.framer.hasPartial()) {
      throw new TlsError('protocol_unexpected_message', 'early data inside a fragmented handshake message');
    }
    const early = this.earlyData!;
    if (plain.length > early.left) {
      throw new TlsError('protocol_unexpected_message', 'the client sent more early data than max_early_data_size allows');
    }
    early.left -= plain.length;
    if (plain.length) {
      this.received.push(plain);
      this.receivedBytes += plain.length;
    }
  }

  /** An application_data record's plaintext (`count`: not yet counted against the empty-record limit). */
  private onApplicationData(plain: Uint8Array, count = true): void {
    if (count) {
      if (plain.length === 0) {
        if (++this.emptyRecords > this.limits.maxEmptyRecords) {
          throw new TlsError('protocol_empty_records', `more than ${this.limits.maxEmptyRecords} empty records in a row`);
        }
      } else {
        this.emptyRecords = 0;
      }
    }
    if (this._state !== 'open' && !(this._state === 'closed' && !this._peerClosed)) {
      throw new TlsError('protocol_unexpected_message', 'application data before the handshake finished');
    }
    if (this.framer.hasPartial()) {
      throw new TlsError('protocol_unexpected_message', 'application data inside a fragmented handshake message');
    }
    if (plain.length) {
      this.received.push(plain);
      this.receivedBytes += plain.length;
    }
  }

  private onChangeCipherSpec(plain: Uint8Array): void {
    if (plain.length !== 1 || plain[0] !== 1) {
      throw new TlsError('decode_error', 'malformed ChangeCipherSpec');
    }
    if (!this.ccsWait) {
      throw new TlsError('protocol_unexpected_message', 'ChangeCipherSpec at the wrong time');
    }
    if (this.framer.hasPartial()) {
      throw new TlsError('protocol_unexpected_message', 'ChangeCipherSpec inside a fragmented handshake message');
    }
    // The handshake installs the next read keys (setReadProtection) before the record after this one is opened:
    // the receive loop waits for it to be idle again first, as it does for a TLS 1.3 key change.
    const w = this.ccsWait;
    this.ccsWait = null;
    this.idle = deferred();
    w.resolve();
  }

  private async onAlert(plain: Uint8Array): Promise<void> {
    if (plain.length !== 2 || this.framer.hasPartial()) {
      throw new TlsError('decode_error', 'malformed alert record');
    }
    const [level, desc] = [plain[0]!, plain[1]!];
    if (desc === AlertDescription.close_notify) {
      this._peerClosed = true;
      this.endCertAnswers(new TlsError('io_closed', 'the client closed the connection without answering the CertificateRequest', { alert: null }));
      if (this._state === 'handshaking' && !this.confirmed) {
        throw new TlsError('io_closed', 'the peer closed the connection during the handshake', { alert: null });
      }
      // TLS 1.2 answers with its own close_notify (RFC 5246 §7.2.1): here, or (TlsConnection) once the application
      // has read to the end, so that its answer to the data that came before the close_notify goes out first.
      // TLS 1.3 closes each direction on its own (RFC 8446 §6.1): the application may still write, and sends its
      // close_notify when it closes.
      if (!this.tls13 && this.answerCloseAtOnce && !this.sentClose && this._state === 'open') await this.close();
      return;
    }
    // RFC 8446 §6: in TLS 1.3 every alert but close_notify and user_canceled is fatal, whatever its level says.
    if (this.tls13 && desc !== AlertDescription.user_canceled) {
      this.fail(peerAlertError(desc), false);
      return;
    }
    if (level === 2 || desc === AlertDescription.user_canceled || this._state === 'handshaking') {
      // A fatal alert ends the connection. During the handshake we treat warnings the same way (except the
      // ones that never make sense then), because continuing a handshake the peer complained about is unsafe.
      if (level !== 2 && desc === AlertDescription.user_canceled) return; // followed by close_notify
      if (level !== 2 && desc === AlertDescription.no_renegotiation && this._state !== 'handshaking') return;
      this.fail(peerAlertError(desc), false);
      return;
    }
    if (level !== 1) throw new TlsError('decode_bad_value', `alert level ${level}`);
    if (++this.warningAlerts > this.limits.maxWarningAlerts) {
      throw new TlsError('protocol_unexpected_message', `too many warning alerts (last: ${alertName(desc)})`);
    }
  }

  private async onHandshake(m: HandshakeMessage): Promise<void> {
    this.warningAlerts = 0;
    if (this._state === 'handshaking') await this.idle.promise;
    if (this.hasFailed()) return;
    if (m.type === HandshakeType.hello_request && this.role === 'server') {
      // Only a server sends HelloRequest (RFC 5246 §7.4.1.1); from a client it is a protocol error, not a no-op.
      throw new TlsError('protocol_unexpected_message', 'received HelloRequest from a client');
    }
    if (this._state !== 'handshaking') {
      return this.onPostHandshake(m);
    }
    const w = this.hsWait;
    if (!w) {
      // The handshake is waiting for ChangeCipherSpec, not a handshake message.
      throw new TlsError('protocol_unexpected_message', `${handshakeTypeName(m.type)} where ChangeCipherSpec was expected`);
    }
    if (!this.tls13 && m.type === HandshakeType.hello_request && !w.types.includes(HandshakeType.hello_request)) {
      return; // RFC 5246 §7.4.1.1: ignored while a handshake is under way, and not part of the transcript
    }
    if (!w.types.includes(m.type)) {
      throw new TlsError(
        'protocol_unexpected_message',
        `received ${handshakeTypeName(m.type)}, expected ${w.types.map(handshakeTypeName).join(' or ')}`,
      );
    }
    if (m.type === HandshakeType.certificate) checkChainLength(m.body, this.limits.maxCertificates, this.tls13);
    this.transcript.add(m.raw);
    this.hsWait = null;
    this.idle = deferred();
    w.d.resolve(m);
  }

  /**
   * Handshake messages after the handshake: to the handshake's handler when it left one (TLS 1.3); otherwise
   * renegotiation is refused and everything else is unexpected.
   */
  private async onPostHandshake(m: HandshakeMessage): Promise<void> {
    if (this.postHandshake) return this.postHandshake(m);
    if (m.type === HandshakeType.hello_request || m.type === HandshakeType.client_hello) {
      await this.sendAlert(1, AlertDescription.no_renegotiation);
      return;
    }
    throw new TlsError('protocol_unexpected_message', `${handshakeTypeName(m.type)} after the handshake`);
  }

  private makeIO(): HandshakeIO {
    return {
      random: this.random,
      now: this.now,
      provider: this.provider,
      transcript: this.transcript,
      maxCertificateMessage: this.limits.maxCertificateMessage,
      maxCertificates: this.limits.maxCertificates,
      expect: (...types) => {
        this.throwIfFailed();
        const d = deferred<HandshakeMessage>();
        this.hsWait = { types, d };
        this.idle.resolve();
        return d.promise;
      },
      send: (type, body) => {
        const raw = encodeHandshake(type, body);
        // Post-handshake messages (KeyUpdate) belong to no transcript.
        if (this._state === 'handshaking') this.transcript.add(raw);
        return this.write(ContentType.handshake, raw);
      },
      setVersion: (v) => {
        this.writeVersion = v;
        this.readVersion = v;
      },
      setRecordVersion: (v) => {
        this.writeVersion = v;
        this.readVersion = v;
      },
      handshakeConfirmed: () => {
        this.confirmed = true;
      },
      enableTls13: () => {
        this.tls13 = true;
      },
      setReadProtection: (next) => {
        if (this.framer.hasPartial()) {
          throw new TlsError('protocol_unexpected_message', 'a handshake message spans a key change (RFC 8446 §5.1)');
        }
        this.readProt = next;
        this.readEncrypted = true;
        this.readGen++;
      },
      setWriteProtection: (next) => {
        this.lazyWrites++;
        return this.chainWrite(() => {
          this.lazyWrites--;
          this.writeProt = next;
        });
      },
      setPostHandshake: (handler) => {
        this.postHandshake = handler;
      },
      setKeyUpdater: (update) => {
        this.keyUpdater = update;
      },
      setCertificateRequester: (request) => {
        this.certRequester = request;
      },
      sendChangeCipherSpec: () => this.write(ContentType.change_cipher_spec, new Uint8Array([1])),
      expectChangeCipherSpec: () => {
        this.throwIfFailed();
        const d = deferred<void>();
        this.ccsWait = d;
        this.idle.resolve();
        return d.promise;
      },
      setMaxFragment: (n) => {
        this.maxFragment = Math.min(MAX_PLAINTEXT, n);
      },
      sendWarning: (desc) => this.sendAlert(1, desc),
      sendApplicationData: (data) => this.write(ContentType.application_data, data),
      setSplitFirstByte: (on) => {
        this.splitFirstByte = on;
      },
      skipEarlyData: (maxBytes, how) => {
        this.earlySkip = maxBytes >= 0 ? { left: maxBytes, how } : null;
      },
      acceptEarlyData: (maxBytes) => {
        this.earlyData = maxBytes === null ? null : { left: maxBytes };
      },
    };
  }

  /** Seal and queue records, in order. */
  private write(type: number, input: Uint8Array, splitFirstByte = false): Promise<void> {
    // Sealed now (below), the records take what they need of `input` before this returns. Sealed later, when their
    // turn comes, they get a copy: the caller may reuse its buffer once send() has returned.
    const eager = this._state === 'open' && this.lazyWrites === 0;
    if (eager) {
      try {
        if (this.writeNow(type, input, splitFirstByte)) return DONE;
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const data = eager ? input : input.slice();
    const seal = () => sealRecordParts(this.writeProt, type, this.writeVersion, data, { maxFragment: this.maxFragment, splitFirstByte });
    if (eager) {
      // After the handshake the write keys no longer change, so the records are sealed at once: several
      // writes are then in flight together (sequence numbers are taken now, in call order) and the chain
      // only keeps their order on the wire. Only while no write queued the lazy way is still waiting,
      // since that one takes its sequence number when its turn comes.
      const sealing = seal();
      return this.chainWrite(async () => {
        // Already numbered: it goes out even after a failure, ahead of the fatal alert, so that alert still opens.
        // (Awaited before touching this.out: takeOutgoing() replaces the array meanwhile.)
        const records = await sealing;
        this.out.push(...records);
      });
    }
    this.lazyWrites++;
    return this.chainWrite(async () => {
      this.lazyWrites--;
      // Once failed, the fatal alert is the last record: a handshake still computing its flight must not follow it.
      this.throwIfFailed();
      const records = await seal();
      this.out.push(...records);
    });
  }

  /**
   * Seals and queues the records in the caller's turn, without a promise, when the write protection's cipher is
   * synchronous and no earlier write is still queued (so nothing can overtake it); false when it cannot.
   */
  private writeNow(type: number, input: Uint8Array, splitFirstByte: boolean): boolean {
    const prot = this.writeProt;
    if (!prot.sealPartsSync || this.writeLinks !== 0 || this.lazyWrites !== 0 || this._state !== 'open') return false;
    const records = sealRecordPartsSync(prot as Protection & Required<Pick<Protection, 'sealPartsSync'>>, type, this.writeVersion, input, {
      maxFragment: this.maxFragment,
      splitFirstByte,
    });
    for (const r of records) this.out.push(r);
    return true;
  }

  private sendAlert(level: 1 | 2, desc: number): Promise<void> {
    return this.write(ContentType.alert, new Uint8Array([level, desc]));
  }

  /**
   * Queue application data. With a synchronous cipher and nothing queued before it, the records are sealed and in
   * `takeOutgoing()` when this returns, and the promise is an already settled one (no promise per write).
   */
  send(data: Uint8Array): Promise<void> {
    if (this._error) return Promise.reject(this._error);
    if (this._state !== 'open') {
      return Promise.reject(new TlsError('io_closed', this.sentClose ? 'the connection was closed' : 'the handshake is not finished'));
    }
    if (data.length === 0) return DONE;
    if (this.queuedSends === 0 && !this.keyUpdateDue(data.length)) {
      try {
        if (this.writeNow(ContentType.application_data, data, this.splitFirstByte)) return DONE;
      } catch (e) {
        this.fail(asTlsError(e));
        return Promise.reject(this._error);
      }
    }
    return this.sendQueued(data);
  }

  private async sendQueued(data: Uint8Array): Promise<void> {
    // Counted until its write is issued, so that no later send() overtakes it by the path above.
    this.queuedSends++;
    try {
      // Only TLS 1.3 has a key updater; otherwise the write is issued in this same turn (call order = record order).
      try {
        if (this.keyUpdater) await this.updateKeysIfDue(data.length);
      } finally {
        this.queuedSends--;
      }
      await this.write(ContentType.application_data, data, this.splitFirstByte);
    } catch (e) {
      this.fail(asTlsError(e));
      this.throwIfFailed();
    }
  }

  /** TLS 1.3: whether a write of `bytes` must wait for a key update (one due, or one under way). */
  private keyUpdateDue(bytes: number): boolean {
    if (!this.keyUpdater) return false;
    if (this.keyUpdating) return true;
    const limit = this.limits.keyUpdateAfterRecords > 0 ? BigInt(this.limits.keyUpdateAfterRecords) : this.writeProt.recordLimit;
    if (limit === undefined) return false;
    return this.writeProt.seq + BigInt(Math.ceil(bytes / this.maxFragment)) > limit;
  }

  /**
   * TLS 1.3: change our write key (KeyUpdate, RFC 8446 §4.6.3), asking the peer to change its own too when
   * `requestPeer`. Refused before the handshake is done or when TLS 1.3 was not negotiated.
   */
  async updateKeys(requestPeer = true): Promise<void> {
    this.throwIfFailed();
    if (this._state !== 'open' || !this.keyUpdater) {
      throw new TlsError('config_invalid', 'a key update needs an open TLS 1.3 connection');
    }
    try {
      await this.keyUpdater(requestPeer);
    } catch (e) {
      this.fail(asTlsError(e));
      this.throwIfFailed();
    }
  }

  /**
   * TLS 1.3 server: ask the client for a certificate now (post-handshake authentication, RFC 8446 §4.6.2). Resolves
   * once the CertificateRequest is queued (take it with takeOutgoing()), with `answer`: the client's verified chain,
   * or the error that failed the connection (a bad answer, no certificate where one is `required`, the connection
   * closing or failing first). Refused with config_invalid, the connection untouched, where it cannot be asked: not
   * TLS 1.3, not a server, the client did not offer post_handshake_auth, no client CA configured.
   */
  async requestClientCertificate(o: ClientCertificateRequest): Promise<{ answer: Promise<ClientCertificateAnswer> }> {
    this.throwIfFailed();
    if (this._state !== 'open' || !this.certRequester) {
      throw new TlsError('config_invalid', 'post-handshake client authentication needs an open TLS 1.3 connection, on the server side');
    }
    if (this._peerClosed) throw new TlsError('io_closed', 'the client has closed the connection; it will not answer a CertificateRequest');
    let sent: { answer: Promise<ClientCertificateAnswer> };
    try {
      sent = await this.certRequester(o);
    } catch (e) {
      const err = asTlsError(e);
      if (err.alert !== null) this.fail(err);
      throw err;
    }
    const d = deferred<ClientCertificateAnswer>();
    this.certAnswers.add(d);
    if (this._error) d.reject(this._error);
    sent.answer.then(d.resolve, d.reject);
    void d.promise.finally(() => this.certAnswers.delete(d)).catch(() => {});
    return { answer: d.promise };
  }

  /** The client will not answer any more: reject what waits for its certificate. */
  private endCertAnswers(err: TlsError): void {
    for (const d of this.certAnswers) d.reject(err);
    this.certAnswers.clear();
  }

  /** Before a write that would take the write key past its record limit, change the key first (one at a time). */
  private async updateKeysIfDue(bytes: number): Promise<void> {
    if (!this.keyUpdater) return;
    while (this.keyUpdating) await this.keyUpdating;
    const limit = this.limits.keyUpdateAfterRecords > 0 ? BigInt(this.limits.keyUpdateAfterRecords) : this.writeProt.recordLimit;
    if (limit === undefined) return;
    const records = BigInt(Math.ceil(bytes / this.maxFragment));
    if (this.writeProt.seq + records <= limit) return;
    this.keyUpdating = this.keyUpdater(false).finally(() => {
      this.keyUpdating = null;
    });
    await this.keyUpdating;
  }

  /** Send close_notify. Reading may go on until the peer's close_notify arrives. */
  async close(): Promise<void> {
    if (this.sentClose || this._state === 'failed' || this._state === 'new') return;
    this.sentClose = true;
    if (this._state === 'open') this._state = 'closed';
    await this.sendAlert(1, AlertDescription.close_notify).catch(() => {});
  }

  /**
   * The transport ended. Without the peer's close_notify this is a truncation: during the handshake, inside a record
   * or a handshake message, or with suppressRaggedEofs false, an io_truncated error; otherwise a clean end of the
   * application data with `truncated` set.
   */
  receiveEof(): void {
    if (this._peerClosed || this._state === 'failed') return;
    const during = (this._state === 'handshaking' && !this.confirmed) || this._state === 'new';
    this._peerClosed = true;
    if (!during && this.suppressRaggedEofs && this.deframer.buffered === 0 && !this.framer.hasPartial()) {
      this._truncated = true;
      // A CertificateRequest waiting for its answer will not get one: reject it rather than leave it pending.
      this.endCertAnswers(new TlsError('io_truncated', 'the connection ended before the client answered the CertificateRequest', { alert: null }));
      return;
    }
    this.fail(
      new TlsError(
        'io_truncated',
        during
          ? 'the connection closed during the handshake'
          : 'the connection ended without close_notify (possible truncation attack)',
        { alert: null },
      ),
      false,
    );
  }

  /** Fail with `err` (sticky). Queues a fatal alert unless the error came from the peer or has no alert. */
  fail(err: TlsError, sendAlert = true): void {
    if (this.hasFailed()) return;
    const wasStarted = this._state !== 'new';
    this._state = 'failed';
    this._error = err;
    if (sendAlert && err.alert !== null && !this.sentClose && wasStarted) {
      // The alert goes out under the current write protection; if sealing fails there is nothing more to do.
      this.chainWrite(async () => {
        const alert = await sealRecordParts(this.writeProt, ContentType.alert, this.writeVersion, new Uint8Array([2, err.alert!]), {
          maxFragment: this.maxFragment,
        });
        this.out.push(...alert);
      }).catch(() => {});
    }
    this.result.reject(err);
    this.endCertAnswers(err);
    this.hsWait?.d.reject(err);
    this.ccsWait?.reject(err);
    this.hsWait = null;
    this.ccsWait = null;
    this.idle.resolve();
  }

  /** A method, not a field test, so TypeScript does not narrow the state across awaits. */
  private hasFailed(): boolean {
    return this._state === 'failed';
  }

  private throwIfFailed(): void {
    if (this._error) throw this._error;
  }

  /** Bytes to put on the wire, or null: always a fresh buffer, which the engine never touches again. */
  takeOutgoing(): Uint8Array | null {
    if (!this.out.length) return null;
    const parts = this.out;
    this.out = [];
    return concat(...parts);
  }

  /** Application data received so far, or null. */
  takeReceived(): Uint8Array | null {
    const parts = this.takeReceivedParts();
    return parts.length === 0 ? null : parts.length === 1 ? parts[0]! : concat(...parts);
  }

  /** Application data received so far, one piece per record (none when there is none): no copy. */
  takeReceivedParts(): Uint8Array[] {
    const parts = this.received;
    if (parts.length) {
      this.received = [];
      this.receivedBytes = 0;
    }
    return parts;
  }

  get bufferedReceived(): number {
    return this.receivedBytes;
  }
}

/**
 * Counts the entries of a Certificate message before anything parses them, so a chain of thousands of small
 * certificates (each one costs a parse and a place in path building) is refused up front. A malformed list is
 * left to the message decoder.
 */
function checkChainLength(body: Uint8Array, max: number, tls13: boolean): void {
  // TLS 1.3 (RFC 8446 §4.4.2): a request context, then entries that each carry extensions after the certificate.
  let off = tls13 ? (body.length ? 1 + body[0]! : 0) + 3 : 3;
  const u24 = (at: number) => (body[at]! << 16) | (body[at + 1]! << 8) | body[at + 2]!;
  for (let n = 0; off + 3 <= body.length; n++) {
    if (n >= max) throw new TlsError('limit_chain', `the peer sent a certificate chain of more than ${max} certificates`);
    off += 3 + u24(off);
    if (tls13) off += off + 2 <= body.length ? 2 + ((body[off]! << 8) | body[off + 1]!) : 2;
  }
}

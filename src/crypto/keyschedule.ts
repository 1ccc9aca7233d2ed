/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1), as its own module: HKDF-Extract / HKDF-Expand (RFC 5869),
 * HKDF-Expand-Label, Derive-Secret, the early / handshake / master secrets and what each yields, traffic
 * key and IV derivation (§7.3), Finished (§4.4.4), KeyUpdate's next secret (§7.2), the exporter (§7.5) and
 * the resumption PSK (§4.6.1).
 *
 *              0
 *              |
 *    PSK ->  HKDF-Extract = Early Secret  -> binder_key, c e traffic, e exp master
 *              |
 *        Derive-Secret(., "derived", "")
 *              |
 * (EC)DHE -> HKDF-Extract = Handshake Secret -> c hs traffic, s hs traffic   (ClientHello..ServerHello)
 *              |
 *        Derive-Secret(., "derived", "")
 *              |
 *    0 ->  HKDF-Extract = Master Secret -> c ap traffic, s ap traffic, exp master   (..server Finished)
 *                                       -> res master                             (..client Finished)
 *
 * Every HMAC is synchronous: the provider's own hashes when it has them (node:crypto), noble's otherwise. HKDF
 * needs nothing but HMAC over secrets that live in JavaScript anyway, so nothing is gained by an asynchronous one.
 * Functions take transcript HASHES, not messages: the transcript (with HRR's message_hash) belongs to the
 * handshake layer.
 */
import { hmac as nobleHmac, hash as digest, hashLen } from './hash.js';
import type { CryptoProvider, HashName } from './types.js';
import { equalBytes } from '../bytes.js';

/** The hashes TLS 1.3 suites use. */
export type Tls13Hash = Extract<HashName, 'sha256' | 'sha384'>;

const enc = new TextEncoder();

/**
 * HMAC-hash(key, data), synchronously: with the provider's own hashes when it has them (node:crypto), noble's
 * otherwise (and when the provider's throws). A handshake makes a few dozen HMACs of 32 to 100 bytes at each end;
 * an asynchronous HMAC (WebCrypto: importKey and sign, ~15 µs each and a promise) cost more than computing them.
 */
export function hmacWith(provider: CryptoProvider, h: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (provider.hashes) {
    try {
      return provider.hashes.hmac(h, key, data);
    } catch {
      // a provider that cannot do this hash or key: noble can
    }
  }
  return nobleHmac(h, key, data);
}

/** HKDF-Extract(salt, IKM) = HMAC(salt, IKM); a missing salt is HashLen zero bytes (RFC 5869 §2.2). */
export async function hkdfExtract(p: CryptoProvider, h: HashName, salt: Uint8Array | null, ikm: Uint8Array): Promise<Uint8Array> {
  return hmacWith(p, h, salt && salt.length > 0 ? salt : new Uint8Array(hashLen(h)), ikm);
}

/** HKDF-Expand(PRK, info, L) (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i), L ≤ 255·HashLen. */
export async function hkdfExpand(p: CryptoProvider, h: HashName, prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const n = hashLen(h);
  if (!Number.isInteger(length) || length < 0 || length > 255 * n) throw new RangeError(`HKDF-Expand length ${length} out of range`);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, o = 0; o < length; i++) {
    const input = new Uint8Array(t.length + info.length + 1);
    input.set(t, 0);
    input.set(info, t.length);
    input[input.length - 1] = i;
    t = hmacWith(p, h, prk, input);
    out.set(t.subarray(0, Math.min(n, length - o)), o);
    o += n;
  }
  return out;
}

/**
 * The HkdfLabel structure (RFC 8446 §7.1): uint16 length, opaque label<7..255> = "tls13 " + Label,
 * opaque context<0..255>.
 */
export function hkdfLabel(label: string, context: Uint8Array, length: number): Uint8Array {
  const l = enc.encode(`tls13 ${label}`);
  if (l.length > 255 || context.length > 255 || length > 0xffff) throw new RangeError('HkdfLabel field too long');
  const out = new Uint8Array(2 + 1 + l.length + 1 + context.length);
  out[0] = length >> 8;
  out[1] = length & 0xff;
  out[2] = l.length;
  out.set(l, 3);
  out[3 + l.length] = context.length;
  out.set(context, 4 + l.length);
  return out;
}

/** HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length). */
export function hkdfExpandLabel(p: CryptoProvider, h: HashName, secret: Uint8Array, label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
  return hkdfExpand(p, h, secret, hkdfLabel(label, context, length), length);
}

/** Derive-Secret(Secret, Label, Messages) given Transcript-Hash(Messages). */
export function deriveSecret(p: CryptoProvider, h: HashName, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Promise<Uint8Array> {
  return hkdfExpandLabel(p, h, secret, label, transcriptHash, hashLen(h));
}

/** Transcript-Hash of no messages: Hash(""), the context of every "derived" step. */
export function emptyHash(h: HashName): Uint8Array {
  let e = EMPTY_HASH.get(h);
  if (!e) EMPTY_HASH.set(h, (e = digest(h, new Uint8Array(0))));
  return e.slice();
}
const EMPTY_HASH = new Map<HashName, Uint8Array>();

/** A record-protection key and IV (the per-record nonce is the IV XOR the padded sequence number). */
export interface TrafficKey {
  key: Uint8Array;
  iv: Uint8Array;
}

/** [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length), ..._iv likewise with "iv" (RFC 8446 §7.3). */
export async function trafficKey(p: CryptoProvider, h: HashName, trafficSecret: Uint8Array, keyLen: number, ivLen = 12): Promise<TrafficKey> {
  const empty = new Uint8Array(0);
  const [key, iv] = await Promise.all([
    hkdfExpandLabel(p, h, trafficSecret, 'key', empty, keyLen),
    hkdfExpandLabel(p, h, trafficSecret, 'iv', empty, ivLen),
  ]);
  return { key, iv };
}

/** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4). */
export function finishedKey(p: CryptoProvider, h: HashName, baseKey: Uint8Array): Promise<Uint8Array> {
  return hkdfExpandLabel(p, h, baseKey, 'finished', new Uint8Array(0), hashLen(h));
}

/**
 * Finished.verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*)),
 * BaseKey being the sender's handshake traffic secret (or a PSK binder key).
 */
export async function finishedVerifyData13(p: CryptoProvider, h: HashName, baseKey: Uint8Array, transcriptHash: Uint8Array): Promise<Uint8Array> {
  return hmacWith(p, h, await finishedKey(p, h, baseKey), transcriptHash);
}

/** Whether a received verify_data is right (compared in constant time over the expected length). */
export async function checkFinished13(p: CryptoProvider, h: HashName, baseKey: Uint8Array, transcriptHash: Uint8Array, received: Uint8Array): Promise<boolean> {
  return equalBytes(await finishedVerifyData13(p, h, baseKey, transcriptHash), received);
}

/** application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length) (§7.2). */
export function nextTrafficSecret(p: CryptoProvider, h: HashName, secret: Uint8Array): Promise<Uint8Array> {
  return hkdfExpandLabel(p, h, secret, 'traffic upd', new Uint8Array(0), hashLen(h));
}

/**
 * TLS-Exporter(label, context_value, key_length) = HKDF-Expand-Label(Derive-Secret(Secret, label, ""),
 * "exporter", Hash(context_value), key_length) (RFC 8446 §7.5); no context and an empty one are the same.
 */
export async function exportKeyingMaterial13(
  p: CryptoProvider,
  h: HashName,
  exporterMasterSecret: Uint8Array,
  label: string,
  context: Uint8Array | null,
  length: number,
): Promise<Uint8Array> {
  const secret = await deriveSecret(p, h, exporterMasterSecret, label, emptyHash(h));
  return hkdfExpandLabel(p, h, secret, 'exporter', digest(h, context ?? new Uint8Array(0)), length);
}

/** The PSK a NewSessionTicket stands for: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
export function resumptionPsk(p: CryptoProvider, h: HashName, resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Promise<Uint8Array> {
  return hkdfExpandLabel(p, h, resumptionMasterSecret, 'resumption', ticketNonce, hashLen(h));
}

/** The Early Secret with no PSK, and Derive-Secret(it, "derived", ""), per hash. */
const PSKLESS = new Map<Tls13Hash, { early: Uint8Array; derived: Uint8Array }>();
async function pskless(p: CryptoProvider, h: Tls13Hash): Promise<{ early: Uint8Array; derived: Uint8Array }> {
  const early = await hkdfExtract(p, h, null, new Uint8Array(hashLen(h)));
  const c = { early, derived: await deriveSecret(p, h, early, 'derived', emptyHash(h)) };
  PSKLESS.set(h, c);
  return c;
}

export interface HandshakeTrafficSecrets {
  client: Uint8Array;
  server: Uint8Array;
}

export interface ApplicationSecrets {
  client: Uint8Array;
  server: Uint8Array;
  exporter: Uint8Array;
}

/**
 * The schedule of one connection, stage by stage: created at the Early Secret, `handshake()` moves it to the
 * Handshake Secret, `application()` to the Master Secret. Each stage's outputs can only be asked for once the
 * stage is reached, so nothing is derived from a secret that does not exist yet.
 */
export class KeySchedule13 {
  private stage: 'early' | 'handshake' | 'master' = 'early';

  private constructor(
    readonly provider: CryptoProvider,
    readonly hash: Tls13Hash,
    private secret: Uint8Array,
  ) {}

  /** Early Secret = HKDF-Extract(0, PSK), the PSK being HashLen zeros when there is none. */
  static async start(provider: CryptoProvider, hash: Tls13Hash, psk?: Uint8Array): Promise<KeySchedule13> {
    if (!psk) {
      // Without a PSK the Early Secret and its "derived" salt are constants of the hash: made once.
      const c = PSKLESS.get(hash) ?? (await pskless(provider, hash));
      const s = new KeySchedule13(provider, hash, c.early.slice());
      s.derivedSalt = c.derived;
      return s;
    }
    return new KeySchedule13(provider, hash, await hkdfExtract(provider, hash, null, psk));
  }

  /** The "derived" salt of a PSK-less Early Secret (a constant), else computed in handshake(). */
  private derivedSalt?: Uint8Array;

  /** The secret of the current stage (for tests and key logs; never sent). */
  get current(): Uint8Array {
    return this.secret;
  }

  private need(stage: KeySchedule13['stage']): void {
    if (this.stage !== stage) throw new Error(`key schedule: ${stage} secret asked for at the ${this.stage} stage`);
  }

  private derive(label: string, transcriptHash: Uint8Array): Promise<Uint8Array> {
    return deriveSecret(this.provider, this.hash, this.secret, label, transcriptHash);
  }

  /** binder_key: "ext binder" for an external PSK, "res binder" for a resumption one. */
  binderKey(kind: 'ext' | 'res'): Promise<Uint8Array> {
    this.need('early');
    return this.derive(`${kind} binder`, emptyHash(this.hash));
  }

  /** client_early_traffic_secret over Transcript-Hash(ClientHello). */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Promise<Uint8Array> {
    this.need('early');
    return this.derive('c e traffic', clientHelloHash);
  }

  /** early_exporter_master_secret over Transcript-Hash(ClientHello). */
  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Promise<Uint8Array> {
    this.need('early');
    return this.derive('e exp master', clientHelloHash);
  }

  /** Handshake Secret from the (EC)DHE shared secret; the two handshake traffic secrets over ClientHello..ServerHello. */
  async handshake(sharedSecret: Uint8Array, helloHash: Uint8Array): Promise<HandshakeTrafficSecrets> {
    this.need('early');
    const salt = this.derivedSalt ? this.derivedSalt.slice() : await this.derive('derived', emptyHash(this.hash));
    this.secret = await hkdfExtract(this.provider, this.hash, salt, sharedSecret);
    this.stage = 'handshake';
    const [client, server] = await Promise.all([this.derive('c hs traffic', helloHash), this.derive('s hs traffic', helloHash)]);
    return { client, server };
  }

  /** Master Secret; the application traffic secrets and exporter master secret over ClientHello..server Finished. */
  async application(serverFinishedHash: Uint8Array): Promise<ApplicationSecrets> {
    this.need('handshake');
    const salt = await this.derive('derived', emptyHash(this.hash));
    this.secret = await hkdfExtract(this.provider, this.hash, salt, new Uint8Array(hashLen(this.hash)));
    this.stage = 'master';
    const [client, server, exporter] = await Promise.all([
      this.derive('c ap traffic', serverFinishedHash),
      this.derive('s ap traffic', serverFinishedHash),
      this.derive('exp master', serverFinishedHash),
    ]);
    return { client, server, exporter };
  }

  /** resumption_master_secret over ClientHello..client Finished. */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Promise<Uint8Array> {
    this.need('master');
    return this.derive('res master', clientFinishedHash);
  }
}

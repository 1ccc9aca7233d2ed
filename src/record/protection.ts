/**
 * Record protection: turns plaintext fragments into TLSCiphertext fragments and back
 * (RFC 5246 §6.2.3) for the null cipher, AEAD (AES-GCM, ChaCha20-Poly1305) and AES-CBC with
 * HMAC (MAC-then-encrypt, or encrypt-then-MAC per RFC 7366).
 *
 * A Protection serves one direction: the engine makes one for reading and one for writing at
 * each ChangeCipherSpec. Each carries its own 64-bit sequence number, starting at 0.
 */
import { TlsError } from '../errors.js';
import { concat, equalBytes } from '../bytes.js';
import { hashBlockLen, hashesOf, type IncrementalMac } from '../crypto/hash.js';
import { keyBlockIvLen } from '../crypto/prf.js';
import { TLS10, type Tls12Suite } from '../crypto/suites.js';
import type { AeadCipher, CbcCipher, CryptoProvider, HashProvider, RandomSource } from '../crypto/types.js';
import { ContentType, MAX_PLAINTEXT } from './constants.js';

export interface Protection {
  /** Protects one fragment (≤ 2^14 bytes) and returns the TLSCiphertext fragment (no header). */
  seal(type: number, version: number, plaintext: Uint8Array): Promise<Uint8Array>;
  /**
   * seal(), returning the fragment as parts to be concatenated (e.g. explicit nonce, then ciphertext):
   * whoever frames the record copies each byte once, instead of once here and again there.
   */
  sealParts(type: number, version: number, plaintext: Uint8Array): Promise<Uint8Array[]>;
  /** Checks and decrypts one TLSCiphertext fragment; throws TlsError on any failure. */
  open(type: number, version: number, fragment: Uint8Array): Promise<Uint8Array>;
  /**
   * open(), returning the content type the record really carries too: TLS 1.3 hides it inside the protected
   * record (TLSInnerPlaintext). Absent for TLS 1.0–1.2 protections, whose type is the record header's.
   */
  openRecord?(type: number, version: number, fragment: Uint8Array): Promise<OpenedRecord>;
  /**
   * TLS 1.3 trial decryption (skipping early data the server did not accept, RFC 8446 §4.2.10): openRecord(), but a
   * record that does not authenticate is null and takes no sequence number. Records opened one at a time only.
   */
  tryOpenRecord?(type: number, version: number, fragment: Uint8Array): Promise<OpenedRecord | null>;
  /**
   * sealParts() without a promise, present when the cipher is synchronous (node:crypto): the engine then seals
   * each record in the caller's turn. Throws what sealParts() would reject with.
   */
  sealPartsSync?(type: number, version: number, plaintext: Uint8Array): Uint8Array[];
  /** openRecord() (or open() with the header's type) without a promise; present with sealPartsSync's condition. */
  openRecordSync?(type: number, version: number, fragment: Uint8Array): OpenedRecord;
  /** The content type every record sealed by this protection carries in its header (TLS 1.3: application_data). */
  readonly outerType?: number;
  /** Records after which the key must change (TLS 1.3 KeyUpdate, RFC 8446 §5.5); absent: none. */
  readonly recordLimit?: bigint;
  /** The sequence number the next record will use. */
  readonly seq: bigint;
}

/** A record as opened: its real content type and plaintext. */
export interface OpenedRecord {
  type: number;
  data: Uint8Array;
}

export interface ProtectionOptions {
  suite: Tls12Suite;
  /** The record version in effect (decides CBC IV handling: chained in TLS 1.0, explicit after). */
  version: number;
  /** Write/read key, MAC key (empty for AEAD) and IV from the key block (empty for CBC in TLS 1.1+). */
  key: Uint8Array;
  macKey: Uint8Array;
  iv: Uint8Array;
  provider: CryptoProvider;
  /** Explicit CBC IVs (TLS 1.1+) come from here. */
  random: RandomSource;
  /** RFC 7366, CBC suites only: MAC over the ciphertext instead of the plaintext. */
  encryptThenMac?: boolean;
  /** Where the sequence number starts (0 for a fresh connection state). */
  initialSeq?: bigint;
}

const MAX_SEQ = (1n << 64n) - 1n;
const AES_BLOCK = 16;
/** seq_num(8) || type(1) || version(2) || length(2): what MACs and AEAD additional data cover. */
const PSEUDO_HEADER_LEN = 13;

const badRecordMac = () => new TlsError('crypto_bad_record_mac', 'record authentication failed (bad_record_mac): the data was corrupted or tampered with in transit');

/** One direction's sequence number, refusing to wrap (RFC 5246 §6.1). */
class Sequence {
  constructor(private value: bigint) {
    if (value < 0n || value > MAX_SEQ + 1n) throw new TlsError('internal_error', 'sequence number out of range');
  }
  get next(): bigint {
    return this.value;
  }
  take(): bigint {
    const v = this.value;
    if (v > MAX_SEQ) {
      throw new TlsError('limit_sequence', 'record sequence number would wrap after 2^64 records; the connection must be closed');
    }
    this.value = v + 1n;
    return v;
  }
}

/** Writes seq || type || version || length into the 13-byte scratch. */
function pseudoHeader(out: Uint8Array, view: DataView, seq: bigint, type: number, version: number, length: number): Uint8Array {
  view.setBigUint64(0, seq);
  out[8] = type;
  view.setUint16(9, version);
  view.setUint16(11, length);
  return out;
}

function checkSealInput(plaintext: Uint8Array): void {
  if (plaintext.length > MAX_PLAINTEXT) {
    throw new TlsError('internal_error', `cannot seal ${plaintext.length} bytes in one record (limit ${MAX_PLAINTEXT})`);
  }
}

/** Limits every opened plaintext must meet, whatever protected it. */
function checkOpened(type: number, plaintext: Uint8Array): Uint8Array {
  if (plaintext.length > MAX_PLAINTEXT) {
    throw new TlsError('decode_record_overflow', `received a record whose plaintext is ${plaintext.length} bytes, more than the ${MAX_PLAINTEXT} TLS allows`);
  }
  if (plaintext.length === 0 && type !== ContentType.application_data) {
    throw new TlsError('decode_bad_length', `received an empty record of content type ${type}, which TLS forbids`);
  }
  return plaintext;
}

/** The fragment the parts make up (the part itself when there is one, the usual case). */
function joinParts(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : concat(...parts);
}

/** The initial state: no encryption, no MAC. */
export function nullProtection(): Protection {
  const seq = new Sequence(0n);
  const sealParts = (plaintext: Uint8Array) => {
    checkSealInput(plaintext);
    seq.take();
    return [plaintext];
  };
  const open = (type: number, fragment: Uint8Array) => {
    seq.take();
    return checkOpened(type, fragment);
  };
  return {
    get seq() {
      return seq.next;
    },
    async seal(_type, _version, plaintext) {
      return joinParts(sealParts(plaintext));
    },
    sealParts: async (_type, _version, plaintext) => sealParts(plaintext),
    sealPartsSync: (_type, _version, plaintext) => sealParts(plaintext),
    open: async (type, _version, fragment) => open(type, fragment),
    openRecordSync: (type, _version, fragment) => ({ type, data: open(type, fragment) }),
  };
}

export async function createProtection(o: ProtectionOptions): Promise<Protection> {
  const { suite } = o;
  if (o.key.length !== suite.keyLen) throw new TlsError('internal_error', `${suite.name}: key is ${o.key.length} bytes, expected ${suite.keyLen}`);
  if (o.macKey.length !== suite.macLen) throw new TlsError('internal_error', `${suite.name}: MAC key is ${o.macKey.length} bytes, expected ${suite.macLen}`);
  const ivLen = keyBlockIvLen(o.version, suite);
  if (o.iv.length !== ivLen) throw new TlsError('internal_error', `${suite.name}: IV is ${o.iv.length} bytes, expected ${ivLen}`);
  if (o.encryptThenMac && suite.type !== 'cbc') throw new TlsError('internal_error', 'encrypt-then-MAC applies to CBC suites only');
  const seq = new Sequence(o.initialSeq ?? 0n);
  let state: ProtectionState;
  if (suite.type === 'aead') {
    const cipher = suite.cipher as 'AES_128_GCM' | 'AES_256_GCM' | 'CHACHA20_POLY1305';
    const aead = await o.provider.aead(cipher, o.key);
    state = cipher === 'CHACHA20_POLY1305' ? new ChaChaState(aead, o.iv, suite.tagLen) : new GcmState(aead, o.iv, suite.tagLen);
    // AEAD records share no state but the sequence number, so several may be in flight at once.
    return new SerialProtection(state, seq, true);
  }
  const cbc = await o.provider.cbc(suite.cipher as 'AES_128_CBC' | 'AES_256_CBC', o.key);
  state = new CbcState(cbc, o, o.encryptThenMac === true);
  return new SerialProtection(state, seq, false);
}

/** The cipher-specific part of a protection, called one record at a time with its sequence number. */
interface ProtectionState {
  /** The fragment as parts to concatenate (see Protection.sealParts). */
  seal(seq: bigint, type: number, version: number, plaintext: Uint8Array): Promise<Uint8Array[]>;
  open(seq: bigint, type: number, version: number, fragment: Uint8Array): Promise<Uint8Array>;
  /** The same without a promise, when the cipher is synchronous (both or neither). */
  readonly sealSync?: (seq: bigint, type: number, version: number, plaintext: Uint8Array) => Uint8Array[];
  readonly openSync?: (seq: bigint, type: number, version: number, fragment: Uint8Array) => Uint8Array;
}

/**
 * Hands records to the cipher state in call order, each with the next sequence number. CBC states run
 * strictly one after another: the TLS 1.0 chained IV and the scratch buffers depend on the previous
 * record being finished, and an async provider could otherwise interleave two calls. AEAD states
 * (`concurrent`) start each record at once, so an async provider (WebCrypto) can work on several
 * records in parallel; the sequence number is still taken in call order, and each caller awaits its
 * own result.
 * The first call fixes the direction, so read and write keys cannot be mixed up on one object.
 */
class SerialProtection implements Protection {
  private tail: Promise<unknown> = Promise.resolve();
  private direction: 'seal' | 'open' | null = null;
  readonly sealPartsSync?: (type: number, version: number, plaintext: Uint8Array) => Uint8Array[];
  readonly openRecordSync?: (type: number, version: number, fragment: Uint8Array) => OpenedRecord;
  constructor(
    private readonly state: ProtectionState,
    private readonly sequence: Sequence,
    private readonly concurrent: boolean,
  ) {
    // A synchronous state is used synchronously only, by both forms: nothing is ever queued, so the sequence
    // numbers follow call order whichever form the engine calls.
    const { sealSync, openSync } = state;
    if (sealSync && openSync) {
      this.sealPartsSync = (type, version, plaintext) => {
        this.use('seal');
        checkSealInput(plaintext);
        return sealSync.call(state, this.sequence.take(), type, version, plaintext);
      };
      this.openRecordSync = (type, version, fragment) => {
        this.use('open');
        return { type, data: checkOpened(type, openSync.call(state, this.sequence.take(), type, version, fragment)) };
      };
    }
  }
  get seq(): bigint {
    return this.sequence.next;
  }
  private use(dir: 'seal' | 'open'): void {
    if (this.direction !== dir) {
      if (this.direction !== null) throw new TlsError('internal_error', `this record protection is for ${this.direction}, not ${dir}`);
      this.direction = dir;
    }
  }
  async seal(type: number, version: number, plaintext: Uint8Array): Promise<Uint8Array> {
    return joinParts(await this.sealParts(type, version, plaintext));
  }
  sealParts(type: number, version: number, plaintext: Uint8Array): Promise<Uint8Array[]> {
    if (this.sealPartsSync) {
      try {
        return Promise.resolve(this.sealPartsSync(type, version, plaintext));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    // A state that runs one record after another reads the plaintext only when its turn comes; the caller may
    // reuse its buffer as soon as this returns (a stream writer does once its write resolves), so it gets a copy.
    // Concurrent (AEAD) states read it now: the provider takes its input when called (WebCrypto copies it).
    const input = this.concurrent ? plaintext : plaintext.slice();
    return this.serial('seal', () => {
      checkSealInput(input);
      return this.state.seal(this.sequence.take(), type, version, input);
    });
  }
  open(type: number, version: number, fragment: Uint8Array): Promise<Uint8Array> {
    if (this.openRecordSync) {
      try {
        return Promise.resolve(this.openRecordSync(type, version, fragment).data);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.serial('open', async () => checkOpened(type, await this.state.open(this.sequence.take(), type, version, fragment)));
  }
  private serial<T>(dir: 'seal' | 'open', fn: () => Promise<T>): Promise<T> {
    try {
      this.use(dir);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.concurrent) {
      try {
        return fn();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/**
 * Nonce and additional data for one record, in one fresh 25-byte buffer: records may be in flight
 * concurrently and a provider may read its inputs after returning.
 */
function recordInputs(nonceInit: Uint8Array, seq: bigint, type: number, version: number, length: number) {
  const buf = new Uint8Array(12 + PSEUDO_HEADER_LEN);
  buf.set(nonceInit);
  const aad = pseudoHeader(buf.subarray(12), new DataView(buf.buffer, 12), seq, type, version, length);
  return { nonce: buf.subarray(0, 12), view: new DataView(buf.buffer, 0, 12), aad };
}

/** AES-GCM (RFC 5288): nonce = 4-byte salt || 8-byte explicit nonce, which we set to the sequence number. */
class GcmState implements ProtectionState {
  private readonly salt = new Uint8Array(12);
  readonly sealSync?: (seq: bigint, type: number, version: number, plaintext: Uint8Array) => Uint8Array[];
  readonly openSync?: (seq: bigint, type: number, version: number, fragment: Uint8Array) => Uint8Array;
  constructor(
    private readonly aead: AeadCipher,
    salt: Uint8Array,
    private readonly tagLen: number,
  ) {
    this.salt.set(salt);
    const { sealSync, sealPartsSync, openSync } = aead;
    if (sealSync && openSync) {
      this.sealSync = (seq, type, version, plaintext) => {
        const { nonce, aad } = this.sealInputs(seq, type, version, plaintext);
        return sealPartsSync ? [nonce.subarray(4), ...sealPartsSync.call(aead, nonce, aad, [plaintext])] : [nonce.subarray(4), sealSync.call(aead, nonce, aad, plaintext)];
      };
      this.openSync = (seq, type, version, fragment) => {
        const { nonce, aad } = this.openInputs(seq, type, version, fragment);
        return opened(openSync.call(aead, nonce, aad, fragment.subarray(8)));
      };
    }
  }
  private sealInputs(seq: bigint, type: number, version: number, plaintext: Uint8Array) {
    const r = recordInputs(this.salt, seq, type, version, plaintext.length);
    r.view.setBigUint64(4, seq);
    return r;
  }
  private openInputs(seq: bigint, type: number, version: number, fragment: Uint8Array) {
    if (fragment.length < 8 + this.tagLen) throw badRecordMac();
    const r = recordInputs(this.salt, seq, type, version, fragment.length - 8 - this.tagLen);
    // The explicit nonce is whatever the peer sent; only uniqueness matters, not that it equals seq.
    r.nonce.set(fragment.subarray(0, 8), 4);
    return r;
  }
  async seal(seq: bigint, type: number, version: number, plaintext: Uint8Array): Promise<Uint8Array[]> {
    const { nonce, aad } = this.sealInputs(seq, type, version, plaintext);
    return [nonce.subarray(4), await this.aead.seal(nonce, aad, plaintext)];
  }
  async open(seq: bigint, type: number, version: number, fragment: Uint8Array): Promise<Uint8Array> {
    const { nonce, aad } = this.openInputs(seq, type, version, fragment);
    return opened(await this.aead.open(nonce, aad, fragment.subarray(8)));
  }
}

/** An AEAD's plaintext, or bad_record_mac when it did not authenticate. */
function opened(pt: Uint8Array | null): Uint8Array {
  if (pt === null) throw badRecordMac();
  return pt;
}

/** ChaCha20-Poly1305 (RFC 7905): nonce = 12-byte IV XOR left-padded sequence number; nothing explicit on the wire. */
class ChaChaState implements ProtectionState {
  private readonly iv = new Uint8Array(12);
  private readonly ivTail: bigint;
  constructor(
    private readonly aead: AeadCipher,
    iv: Uint8Array,
    private readonly tagLen: number,
  ) {
    this.iv.set(iv);
    this.ivTail = new DataView(iv.buffer, iv.byteOffset, iv.length).getBigUint64(4);
    const { sealSync, sealPartsSync, openSync } = aead;
    if (sealSync && openSync) {
      this.sealSync = (seq, type, version, plaintext) => {
        const { nonce, aad } = this.inputs(seq, type, version, plaintext.length);
        return sealPartsSync ? sealPartsSync.call(aead, nonce, aad, [plaintext]) : [sealSync.call(aead, nonce, aad, plaintext)];
      };
      this.openSync = (seq, type, version, fragment) => {
        const { nonce, aad } = this.openInputs(seq, type, version, fragment);
        return opened(openSync.call(aead, nonce, aad, fragment));
      };
    }
  }
  private inputs(seq: bigint, type: number, version: number, length: number) {
    const r = recordInputs(this.iv, seq, type, version, length);
    r.view.setBigUint64(4, this.ivTail ^ seq);
    return r;
  }
  private openInputs(seq: bigint, type: number, version: number, fragment: Uint8Array) {
    if (fragment.length < this.tagLen) throw badRecordMac();
    return this.inputs(seq, type, version, fragment.length - this.tagLen);
  }
  readonly sealSync?: (seq: bigint, type: number, version: number, plaintext: Uint8Array) => Uint8Array[];
  readonly openSync?: (seq: bigint, type: number, version: number, fragment: Uint8Array) => Uint8Array;
  async seal(seq: bigint, type: number, version: number, plaintext: Uint8Array): Promise<Uint8Array[]> {
    const { nonce, aad } = this.inputs(seq, type, version, plaintext.length);
    return [await this.aead.seal(nonce, aad, plaintext)];
  }
  async open(seq: bigint, type: number, version: number, fragment: Uint8Array): Promise<Uint8Array> {
    const { nonce, aad } = this.openInputs(seq, type, version, fragment);
    return opened(await this.aead.open(nonce, aad, fragment));
  }
}

// Branch-free helpers over small non-negative integers (< 2^31): 1 or 0, never a conditional jump.
const lt = (a: number, b: number) => ((a - b) >> 31) & 1;
const ge = (a: number, b: number) => 1 - lt(a, b);
const isZero = (x: number) => ((x - 1) >> 31) & 1;

/**
 * AES-CBC with HMAC (RFC 5246 §6.2.3.2, RFC 2246 for TLS 1.0's chained IV, RFC 7366 for
 * encrypt-then-MAC).
 */
class CbcState implements ProtectionState {
  private readonly macName: 'sha1' | 'sha256' | 'sha384';
  private readonly macKey: Uint8Array;
  private readonly macLen: number;
  /** TLS 1.0: the IV for the next record (the key block's, then the previous record's last block). */
  private chainIv: Uint8Array | null;
  private readonly random: RandomSource;
  /** The provider's hashes (native HMAC on Node), noble's otherwise. */
  private readonly hashes: HashProvider;
  private readonly hdr = new Uint8Array(PSEUDO_HEADER_LEN);
  private readonly hdrView = new DataView(this.hdr.buffer);
  private readonly zeroIv = new Uint8Array(AES_BLOCK);
  // Lucky13 counter-measure state (MAC-then-encrypt reads only).
  private readonly blockLen: number;
  /** Bytes of MD padding overhead: the 0x80 byte plus the 64- or 128-bit length field. */
  private readonly mdOverhead: number;
  private readonly dummy: IncrementalMac;
  private readonly zeros: Uint8Array;
  /** The computed MAC, zero-extended to 64 bytes so a masked index never leaves the array. */
  private readonly macScratch = new Uint8Array(64);

  constructor(
    private readonly cbc: CbcCipher,
    o: ProtectionOptions,
    private readonly etm: boolean,
  ) {
    this.macName = o.suite.mac!;
    this.macKey = o.macKey.slice();
    this.macLen = o.suite.macLen;
    this.chainIv = o.version === TLS10 ? o.iv.slice() : null;
    this.random = o.random;
    this.hashes = hashesOf(o.provider);
    this.blockLen = hashBlockLen(this.macName);
    this.mdOverhead = 1 + this.blockLen / 8;
    this.dummy = this.hashes.hashCreate(this.macName);
    // The most compression calls a short MAC input can save against the longest one: 255 bytes
    // of padding plus one block of MD-padding slack.
    this.zeros = new Uint8Array((Math.ceil(256 / this.blockLen) + 1) * this.blockLen);
    const { encryptSync, decryptSync } = cbc;
    if (encryptSync && decryptSync) {
      this.sealSync = (seq, type, version, plaintext) => {
        const body = this.sealBody(seq, type, version, plaintext);
        return this.sealed(seq, type, version, this.encrypted(encryptSync.call(cbc, this.ivToEncrypt(body), body)));
      };
      this.openSync = (seq, type, version, fragment) => {
        if (this.etm) {
          const { iv, ct } = this.etmBeforeDecrypt(seq, type, version, fragment);
          return this.etmAfterDecrypt(decryptSync.call(cbc, iv, ct));
        }
        const { iv, ct, n } = this.mteBeforeDecrypt(fragment);
        return this.mteAfterDecrypt(seq, type, version, n, decryptSync.call(cbc, iv, ct));
      };
    }
  }

  private mac(seq: bigint, type: number, version: number, length: number, ...parts: Uint8Array[]): Uint8Array {
    const m = this.hashes.hmacCreate(this.macName, this.macKey).update(pseudoHeader(this.hdr, this.hdrView, seq, type, version, length));
    for (const p of parts) m.update(p);
    return m.digest();
  }

  /**
   * Encrypts `body` (plaintext [|| MAC] || padding, `lead` bytes left free in front). In TLS 1.1+
   * the free 16 bytes get a random block R and the whole is encrypted under a zero IV: the first
   * ciphertext block E(R) then serves as the explicit IV (RFC 4346 §6.2.3.2, option 2b), so the
   * provider's output is already the wire fragment and needs no copy.
   */
  private async encrypt(body: Uint8Array): Promise<Uint8Array> {
    return this.encrypted(await this.cbc.encrypt(this.ivToEncrypt(body), body));
  }

  /** The IV to encrypt `body` under (TLS 1.1+: after filling the free lead block with random bytes). */
  private ivToEncrypt(body: Uint8Array): Uint8Array {
    if (this.chainIv) return this.chainIv;
    body.set(this.random(AES_BLOCK), 0);
    return this.zeroIv;
  }

  /** TLS 1.0: the next record's IV is this ciphertext's last block. */
  private encrypted(ct: Uint8Array): Uint8Array {
    if (this.chainIv) this.chainIv = ct.slice(ct.length - AES_BLOCK);
    return ct;
  }

  /** With a synchronous cipher (node:crypto): the same record operations without a promise (see ProtectionState). */
  readonly sealSync?: (seq: bigint, type: number, version: number, plaintext: Uint8Array) => Uint8Array[];
  readonly openSync?: (seq: bigint, type: number, version: number, fragment: Uint8Array) => Uint8Array;

  private get lead(): number {
    return this.chainIv ? 0 : AES_BLOCK;
  }

  async seal(seq: bigint, type: number, version: number, plaintext: Uint8Array): Promise<Uint8Array[]> {
    const body = this.sealBody(seq, type, version, plaintext);
    return this.sealed(seq, type, version, await this.encrypt(body));
  }

  /** plaintext [|| MAC] || padding, with `lead` bytes free in front. */
  private sealBody(seq: bigint, type: number, version: number, plaintext: Uint8Array): Uint8Array {
    const lead = this.lead;
    const macLen = this.macLen;
    const len = plaintext.length;
    const inner = this.etm ? len : len + macLen;
    const pad = AES_BLOCK - 1 - (inner % AES_BLOCK); // minimal padding, 0..15
    const body = new Uint8Array(lead + inner + pad + 1);
    body.set(plaintext, lead);
    if (!this.etm) body.set(this.mac(seq, type, version, len, plaintext), lead + len);
    body.fill(pad, lead + inner);
    return body;
  }

  /** The fragment's parts once the body is encrypted (encrypt-then-MAC: the MAC over the ciphertext follows). */
  private sealed(seq: bigint, type: number, version: number, ct: Uint8Array): Uint8Array[] {
    return this.etm ? [ct, this.mac(seq, type, version, ct.length, ct)] : [ct];
  }

  async open(seq: bigint, type: number, version: number, fragment: Uint8Array): Promise<Uint8Array> {
    if (this.etm) {
      const { iv, ct } = this.etmBeforeDecrypt(seq, type, version, fragment);
      return this.etmAfterDecrypt(await this.cbc.decrypt(iv, ct));
    }
    const { iv, ct, n } = this.mteBeforeDecrypt(fragment);
    return this.mteAfterDecrypt(seq, type, version, n, await this.cbc.decrypt(iv, ct));
  }

  /** Takes the IV for a record and advances the TLS 1.0 chain to this record's last ciphertext block. */
  private ivFor(ciphertextWithIv: Uint8Array): { iv: Uint8Array; ct: Uint8Array } {
    if (this.chainIv) {
      const iv = this.chainIv;
      this.chainIv = ciphertextWithIv.slice(ciphertextWithIv.length - AES_BLOCK);
      return { iv, ct: ciphertextWithIv };
    }
    return { iv: ciphertextWithIv.subarray(0, AES_BLOCK), ct: ciphertextWithIv.subarray(AES_BLOCK) };
  }

  /** RFC 7366: the MAC is checked first, over the ciphertext, so padding is looked at only for authentic records. */
  private etmBeforeDecrypt(seq: bigint, type: number, version: number, fragment: Uint8Array): { iv: Uint8Array; ct: Uint8Array } {
    const encLen = fragment.length - this.macLen;
    if (encLen < this.lead + AES_BLOCK || (encLen - this.lead) % AES_BLOCK !== 0) throw badRecordMac();
    const enc = fragment.subarray(0, encLen);
    if (!equalBytes(this.mac(seq, type, version, encLen, enc), fragment.subarray(encLen))) throw badRecordMac();
    return this.ivFor(enc);
  }

  private etmAfterDecrypt(d: Uint8Array): Uint8Array {
    const p = d[d.length - 1]!;
    if (p + 1 > d.length) throw badRecordMac();
    for (let i = d.length - 1 - p; i < d.length - 1; i++) if (d[i] !== p) throw badRecordMac();
    return d.subarray(0, d.length - 1 - p);
  }

  /**
   * MAC-then-encrypt, checked without revealing the padding length through timing (Lucky13):
   * the padding is checked over a fixed 256-byte window with no early exit; the MAC input is
   * topped up with dummy compression blocks so every record of a given length costs the same
   * number of hash compressions; the MAC is compared by scanning a fixed window with masks;
   * and bad padding and bad MAC end in the same error.
   */
  private mteBeforeDecrypt(fragment: Uint8Array): { iv: Uint8Array; ct: Uint8Array; n: number } {
    const n = fragment.length - this.lead;
    // Public-length checks: room for MAC + padding byte, whole blocks.
    if (n < Math.ceil((this.macLen + 1) / AES_BLOCK) * AES_BLOCK || n % AES_BLOCK !== 0) throw badRecordMac();
    return { ...this.ivFor(fragment), n };
  }

  private mteAfterDecrypt(seq: bigint, type: number, version: number, n: number, d: Uint8Array): Uint8Array {
    const macLen = this.macLen;
    const p = d[n - 1]!;
    let good = ge(n, p + 1 + macLen);
    const win = Math.min(256, n);
    let padDiff = 0;
    for (let t = 1; t < win; t++) padDiff |= (d[n - 1 - t]! ^ p) & -ge(p, t);
    good &= isZero(padDiff);
    // Bad padding: MAC as if there were none (RFC 5246 §6.2.3.2), keeping the work the same.
    const padLen = p & -good;
    const len = n - 1 - padLen - macLen;

    const mac = this.mac(seq, type, version, len, d.subarray(0, len));
    this.equaliseCompressions(len, n - 1 - macLen);
    this.macScratch.set(mac);

    const scanStart = Math.max(0, n - 256 - macLen);
    let macDiff = 0;
    for (let i = scanStart; i < n - 1; i++) {
      const j = i - len;
      macDiff |= (d[i]! ^ this.macScratch[j & 63]!) & -(ge(j, 0) & lt(j, macLen));
    }
    good &= isZero(macDiff);
    if (good !== 1) throw badRecordMac();
    return d.subarray(0, len);
  }

  /** Inner-hash compressions for HMAC over pseudo-header + `len` bytes (the key block included). */
  private innerBlocks(len: number): number {
    return Math.floor((this.blockLen + PSEUDO_HEADER_LEN + len + this.mdOverhead + this.blockLen - 1) / this.blockLen);
  }

  /** Runs as many throwaway compressions as the MAC over `len` bytes saved against one over `maxLen`. */
  private equaliseCompressions(len: number, maxLen: number): void {
    const extra = this.innerBlocks(maxLen) - this.innerBlocks(len);
    // Whole blocks into an empty buffer are compressed immediately; the dummy is never finalised.
    this.dummy.update(this.zeros.subarray(0, extra * this.blockLen));
  }
}

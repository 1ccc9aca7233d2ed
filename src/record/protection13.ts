/**
 * TLS 1.3 record protection (RFC 8446 §5.2–§5.3): the content type travels inside the encryption
 * (TLSInnerPlaintext = content || type || zeros), the outer record is always application_data / 0x0303, the
 * AEAD's additional data is that 5-byte header, and the nonce is the traffic IV XOR the 64-bit sequence number
 * (left-padded to the IV's length). One Protection13 serves one direction and one traffic secret; a KeyUpdate
 * or an epoch change makes a new one with the sequence number back at 0.
 */
import { TlsError } from '../errors.js';
import type { AeadCipher, CryptoProvider } from '../crypto/types.js';
import { ContentType, MAX_PLAINTEXT, isKnownContentType } from './constants.js';
import type { OpenedRecord, Protection } from './protection.js';

/** legacy_record_version of every protected 1.3 record. */
export const TLS13_RECORD_VERSION = 0x0303;
/** TLSCiphertext.length limit in 1.3: 2^14 + 256 (§5.2). */
export const MAX_CIPHERTEXT13 = (1 << 14) + 256;
const MAX_SEQ = (1n << 64n) - 1n;

export type Aead13 = 'AES_128_GCM' | 'AES_256_GCM' | 'CHACHA20_POLY1305';

export interface Opened13 {
  /** The real content type, from inside the TLSInnerPlaintext. */
  type: number;
  plaintext: Uint8Array;
}

export interface Protection13 {
  /**
   * Seals `plaintext` of content type `type` (padded with `padding` zero bytes) into the fragment of an
   * application_data record (no header: the caller writes 23, 0x0303, the fragment's length).
   */
  seal(type: number, plaintext: Uint8Array, padding?: number): Promise<Uint8Array>;
  /** Opens the fragment of a record whose header said application_data; throws TlsError on any failure. */
  open(fragment: Uint8Array): Promise<Opened13>;
  /**
   * Trial decryption (RFC 8446 §4.2.10, skipping rejected early data): like open(), but a record that does not
   * authenticate is null and takes no sequence number. Only for records opened one at a time (the handshake).
   */
  tryOpen(fragment: Uint8Array): Promise<Opened13 | null>;
  /**
   * seal() without a promise when the cipher is synchronous (node:crypto), the fragment as parts to be written
   * in order (no copy of the plaintext into a TLSInnerPlaintext first). Present together with openSync.
   */
  sealPartsSync?(type: number, plaintext: Uint8Array, padding?: number): Uint8Array[];
  openSync?(fragment: Uint8Array): Opened13;
  /** The sequence number the next record will use (also: records protected so far). */
  readonly seq: bigint;
}

const badRecordMac = () => new TlsError('crypto_bad_record_mac', 'record authentication failed (bad_record_mac): the data was corrupted or tampered with in transit');

function header(length: number): Uint8Array {
  return Uint8Array.of(ContentType.application_data, 0x03, 0x03, length >>> 8, length & 0xff);
}

function checkLength(fragment: Uint8Array): void {
  if (fragment.length > MAX_CIPHERTEXT13) {
    throw new TlsError('decode_record_overflow', `received a TLS 1.3 record of ${fragment.length} bytes, more than the 2^14+256 allowed`);
  }
}

/** TLSInnerPlaintext: the content type is the last non-zero byte; what follows it is padding. */
function unpad(inner: Uint8Array): Opened13 {
  let end = inner.length - 1;
  while (end >= 0 && inner[end] === 0) end--;
  if (end < 0) throw new TlsError('protocol_unexpected_message', 'a TLS 1.3 record holds only padding, no content type');
  if (end > MAX_PLAINTEXT) {
    throw new TlsError('decode_record_overflow', `received a TLS 1.3 record whose plaintext is ${end} bytes, more than the ${MAX_PLAINTEXT} allowed`);
  }
  return { type: inner[end]!, plaintext: inner.subarray(0, end) };
}

/** One direction's keys for one traffic secret (key and iv from trafficKey() in crypto/keyschedule.ts). */
export async function createProtection13(provider: CryptoProvider, cipher: Aead13, key: Uint8Array, iv: Uint8Array, tagLen = 16): Promise<Protection13> {
  if (iv.length !== 12) throw new TlsError('internal_error', `TLS 1.3 IV must be 12 bytes, got ${iv.length}`);
  const aead: AeadCipher = await provider.aead(cipher, key);
  const staticIv = iv.slice();
  let seq = 0n;
  const nonceFor = (s: bigint) => {
    const n = staticIv.slice();
    for (let i = 11; i >= 4 && s > 0n; i--, s >>= 8n) n[i]! ^= Number(s & 0xffn);
    return n;
  };
  const take = () => {
    if (seq > MAX_SEQ) throw new TlsError('limit_sequence', 'record sequence number would wrap after 2^64 records; the connection must be closed');
    return seq++;
  };
  /** The nonce of the next record to open (its sequence number is taken even if it fails). */
  const openNonce = (fragment: Uint8Array) => {
    checkLength(fragment);
    const nonce = nonceFor(take());
    if (fragment.length < tagLen + 1) throw badRecordMac();
    return nonce;
  };
  const p: Protection13 = {
    get seq() {
      return seq;
    },
    async seal(type, plaintext, padding = 0) {
      if (plaintext.length > MAX_PLAINTEXT) throw new TlsError('internal_error', `cannot seal ${plaintext.length} bytes in one record (limit ${MAX_PLAINTEXT})`);
      if (plaintext.length + 1 + padding > MAX_PLAINTEXT + 1) throw new TlsError('internal_error', 'record padding too long');
      const inner = new Uint8Array(plaintext.length + 1 + padding);
      inner.set(plaintext, 0);
      inner[plaintext.length] = type;
      const nonce = nonceFor(take());
      return aead.seal(nonce, header(inner.length + tagLen), inner);
    },
    async open(fragment) {
      const nonce = openNonce(fragment);
      const inner = await aead.open(nonce, header(fragment.length), fragment);
      if (!inner) throw badRecordMac();
      return unpad(inner);
    },
    async tryOpen(fragment) {
      checkLength(fragment);
      if (fragment.length < tagLen + 1) return null;
      const s = seq;
      const inner = await aead.open(nonceFor(s), header(fragment.length), fragment);
      if (!inner) return null;
      if (seq !== s) throw new TlsError('internal_error', 'a record was opened while a trial decryption ran');
      take();
      return unpad(inner);
    },
  };
  const { sealPartsSync, openSync } = aead;
  if (sealPartsSync && openSync) {
    p.sealPartsSync = (type, plaintext, padding = 0) => {
      if (plaintext.length > MAX_PLAINTEXT) throw new TlsError('internal_error', `cannot seal ${plaintext.length} bytes in one record (limit ${MAX_PLAINTEXT})`);
      if (plaintext.length + 1 + padding > MAX_PLAINTEXT + 1) throw new TlsError('internal_error', 'record padding too long');
      // The content type and padding follow the content inside the encryption, fed to the cipher as a second piece.
      const tail = new Uint8Array(1 + padding);
      tail[0] = type;
      const nonce = nonceFor(take());
      return sealPartsSync.call(aead, nonce, header(plaintext.length + tail.length + tagLen), [plaintext, tail]);
    };
    p.openSync = (fragment) => {
      const nonce = openNonce(fragment);
      const inner = openSync.call(aead, nonce, header(fragment.length), fragment);
      if (!inner) throw badRecordMac();
      return unpad(inner);
    };
  }
  return p;
}

/**
 * RFC 8446 §5.5: at most 2^24.5 full-size records under one AES-GCM key; the engine changes keys before it.
 * ChaCha20-Poly1305's limit is above 2^64 records, so only the sequence number bounds it.
 */
export const AES_GCM_RECORD_LIMIT = 23_726_566n; // floor(2^24.5)

/**
 * A Protection13 as the engine's record layer uses every protection: records sealed with an application_data
 * header, opened to their inner content type, with the record limit after which the key must change.
 */
export async function recordProtection13(provider: CryptoProvider, cipher: Aead13, key: Uint8Array, iv: Uint8Array): Promise<Protection> {
  const p = await createProtection13(provider, cipher, key, iv);
  let direction: 'seal' | 'open' | null = null;
  const use = (dir: 'seal' | 'open') => {
    if (direction !== dir) {
      if (direction !== null) throw new TlsError('internal_error', `this record protection is for ${direction}, not ${dir}`);
      direction = dir;
    }
  };
  const checkOpened = ({ type: inner, plaintext }: Opened13): OpenedRecord => {
    if (!isKnownContentType(inner) || inner === ContentType.change_cipher_spec) {
      throw new TlsError('protocol_unexpected_message', `a protected record of content type ${inner}`);
    }
    if (plaintext.length === 0 && inner !== ContentType.application_data) {
      throw new TlsError('protocol_unexpected_message', `an empty protected record of content type ${inner} (RFC 8446 §5.4)`);
    }
    return { type: inner, data: plaintext };
  };
  const checkOuter = (type: number) => {
    use('open');
    if (type !== ContentType.application_data) {
      throw new TlsError('protocol_unexpected_message', `an unprotected record of content type ${type} after the keys changed (RFC 8446 §5)`);
    }
  };
  const openRecord = async (type: number, _version: number, fragment: Uint8Array): Promise<OpenedRecord> => {
    checkOuter(type);
    return checkOpened(await p.open(fragment));
  };
  const tryOpenRecord = async (type: number, _version: number, fragment: Uint8Array): Promise<OpenedRecord | null> => {
    checkOuter(type);
    const opened = await p.tryOpen(fragment);
    return opened && checkOpened(opened);
  };
  const sealParts = async (type: number, _version: number, plaintext: Uint8Array): Promise<Uint8Array[]> => {
    use('seal');
    return [await p.seal(type, plaintext)];
  };
  const { sealPartsSync, openSync } = p;
  return {
    outerType: ContentType.application_data,
    recordLimit: cipher === 'CHACHA20_POLY1305' ? MAX_SEQ : AES_GCM_RECORD_LIMIT,
    get seq() {
      return p.seq;
    },
    sealParts,
    seal: async (type, version, plaintext) => (await sealParts(type, version, plaintext))[0]!,
    openRecord,
    tryOpenRecord,
    open: async (type, version, fragment) => (await openRecord(type, version, fragment)).data,
    ...(sealPartsSync && openSync
      ? {
          sealPartsSync: (type: number, _version: number, plaintext: Uint8Array) => {
            use('seal');
            return sealPartsSync.call(p, type, plaintext);
          },
          openRecordSync: (type: number, _version: number, fragment: Uint8Array) => {
            checkOuter(type);
            return checkOpened(openSync.call(p, fragment));
          },
        }
      : {}),
  };
}

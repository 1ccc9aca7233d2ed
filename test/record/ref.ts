/**
 * Independent reference constructions of TLS records with node:crypto, for known-answer tests.
 * Nothing here imports the code under test.
 */
import { createCipheriv, createHmac } from 'node:crypto';

export function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed * 31 + i * 7 + ((i * i) >> 3)) & 0xff;
  return out;
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function seq8(seq: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(seq);
  return new Uint8Array(b);
}

/** seq || type || version || length */
export function pseudo(seq: bigint, type: number, version: number, length: number): Uint8Array {
  return cat(seq8(seq), new Uint8Array([type, version >> 8, version & 0xff, length >> 8, length & 0xff]));
}

export function header(type: number, version: number, length: number): Uint8Array {
  return new Uint8Array([type, version >> 8, version & 0xff, length >> 8, length & 0xff]);
}

const aesName = (key: Uint8Array, mode: string) => `aes-${key.length * 8}-${mode}`;

export function refGcm(key: Uint8Array, salt: Uint8Array, explicit: Uint8Array, seq: bigint, type: number, version: number, pt: Uint8Array): Uint8Array {
  const c = createCipheriv(aesName(key, 'gcm') as 'aes-128-gcm', key, cat(salt, explicit));
  c.setAAD(pseudo(seq, type, version, pt.length));
  const ct = cat(c.update(pt), c.final());
  return cat(explicit, ct, c.getAuthTag());
}

export function refChacha(key: Uint8Array, iv: Uint8Array, seq: bigint, type: number, version: number, pt: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(iv);
  const s = seq8(seq);
  for (let i = 0; i < 8; i++) nonce[4 + i]! ^= s[i]!;
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(pseudo(seq, type, version, pt.length), { plaintextLength: pt.length });
  const ct = cat(c.update(pt), c.final());
  return cat(ct, c.getAuthTag());
}

export function aesCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(aesName(key, 'cbc') as 'aes-128-cbc', key, iv).setAutoPadding(false);
  return cat(c.update(data), c.final());
}

export function aesBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv(aesName(key, 'ecb') as 'aes-128-ecb', key, null).setAutoPadding(false);
  return cat(c.update(block), c.final());
}

export function hmacRef(hash: string, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export interface CbcRef {
  hash: 'sha1' | 'sha256' | 'sha384';
  macKey: Uint8Array;
  key: Uint8Array;
  /** The IV used to encrypt: sent on the wire when explicit, else the chained one. */
  iv: Uint8Array;
  explicitIv: boolean;
  seq: bigint;
  type: number;
  version: number;
  pt: Uint8Array;
  /** Padding length byte (default: minimal). */
  padLen?: number;
  /** Tweak plaintext [|| MAC] || padding before encryption (to build bad padding or MAC); macAt = where the MAC (MtE) or padding (EtM) starts. */
  mutate?: (body: Uint8Array, macAt: number) => void;
}

/** MAC-then-encrypt (RFC 5246 §6.2.3.2). */
export function refCbcMte(r: CbcRef): Uint8Array {
  const mac = hmacRef(r.hash, r.macKey, pseudo(r.seq, r.type, r.version, r.pt.length), r.pt);
  const inner = r.pt.length + mac.length;
  const padLen = r.padLen ?? 15 - (inner % 16);
  const body = cat(r.pt, mac, new Uint8Array(padLen + 1).fill(padLen));
  if (body.length % 16 !== 0) throw new Error('reference: padding does not align');
  r.mutate?.(body, r.pt.length);
  const ct = aesCbc(r.key, r.iv, body);
  return r.explicitIv ? cat(r.iv, ct) : ct;
}

/** Encrypt-then-MAC (RFC 7366). */
export function refCbcEtm(r: CbcRef): Uint8Array {
  const padLen = r.padLen ?? 15 - (r.pt.length % 16);
  const body = cat(r.pt, new Uint8Array(padLen + 1).fill(padLen));
  r.mutate?.(body, r.pt.length);
  const ct = aesCbc(r.key, r.iv, body);
  const enc = r.explicitIv ? cat(r.iv, ct) : ct;
  return cat(enc, hmacRef(r.hash, r.macKey, pseudo(r.seq, r.type, r.version, enc.length), enc));
}

/**
 * Key parsing: SubjectPublicKeyInfo (certificates), and private keys in PKCS#1, SEC1, PKCS#8 and
 * PBES2-encrypted PKCS#8, as PEM or raw DER.
 */
import * as asn1js from 'asn1js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { cbc } from '@noble/ciphers/aes.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { TlsError, type ErrorCode } from '../errors.js';
import { concat, equalBytes } from '../bytes.js';
import { derBlobs, readPemInput, looksLikePem, pemBlocks, type PemInput } from '../pem.js';
import { bytesToBigInt, bigIntToMinBytes, bitLength } from './bigint.js';
import { hashFn } from './hash.js';
import type { HashName, NamedCurve, PrivateKey, PublicKey } from './types.js';

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

const CURVE_OIDS: Record<string, NamedCurve> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};
const CURVE_OID_BY_NAME = Object.fromEntries(Object.entries(CURVE_OIDS).map(([k, v]) => [v, k])) as Record<NamedCurve, string>;
const PBKDF2_PRFS: Record<string, HashName> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const AES_CBC_OIDS: Record<string, number> = {
  '2.16.840.1.101.3.4.1.2': 16,
  '2.16.840.1.101.3.4.1.22': 24,
  '2.16.840.1.101.3.4.1.42': 32,
};

export const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
/** Scalar / coordinate length in bytes. */
export const CURVE_BYTES: Record<NamedCurve, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
const CURVE_BITS: Record<NamedCurve, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521 };

// ---------- a small strict walker over asn1js nodes ----------

type Code = 'cert_malformed' | 'config_bad_key';
type Node = asn1js.AsnType;

class Der {
  constructor(
    readonly code: Code,
    readonly what: string,
  ) {}
  fail(msg: string): never {
    throw new TlsError(this.code, `${this.what}: ${msg}`);
  }
  parse(der: Uint8Array): Node {
    const r = asn1js.fromBER(der);
    if (r.offset === -1 || r.offset !== der.length) this.fail(r.offset === -1 ? 'not valid DER' : 'trailing data after the structure');
    return r.result;
  }
  seq(n: Node | undefined, min = 0): Node[] {
    if (!(n instanceof asn1js.Sequence)) this.fail('expected a SEQUENCE');
    const v = n.valueBlock.value;
    if (v.length < min) this.fail('SEQUENCE too short');
    return v;
  }
  int(n: Node | undefined): bigint {
    if (!(n instanceof asn1js.Integer)) this.fail('expected an INTEGER');
    const b = n.valueBlock.valueHexView;
    if (b.length > 0 && b[0]! & 0x80) this.fail('negative INTEGER');
    return bytesToBigInt(b);
  }
  oid(n: Node | undefined): string {
    if (!(n instanceof asn1js.ObjectIdentifier)) this.fail('expected an OBJECT IDENTIFIER');
    return n.valueBlock.toString();
  }
  octets(n: Node | undefined): Uint8Array {
    if (!(n instanceof asn1js.OctetString) || n.idBlock.isConstructed) this.fail('expected an OCTET STRING');
    return n.valueBlock.valueHexView.slice();
  }
  bits(n: Node | undefined): Uint8Array {
    if (!(n instanceof asn1js.BitString) || n.valueBlock.unusedBits !== 0) this.fail('expected a whole-byte BIT STRING');
    return n.valueBlock.valueHexView.slice();
  }
  /** The inner node of an explicit context tag [tag], or undefined when the element is some other tag. */
  explicit(n: Node | undefined, tag: number): Node | undefined {
    if (!n || n.idBlock.tagClass !== 3 || n.idBlock.tagNumber !== tag) return undefined;
    const inner = (n as asn1js.Constructed).valueBlock.value;
    if (!Array.isArray(inner) || inner.length !== 1) this.fail(`bad [${tag}] element`);
    return inner[0];
  }
}

// ---------- public keys ----------

/**
 * Largest RSA modulus and public exponent accepted (as BoringSSL): every signature check costs a modular
 * exponentiation in BigInt, so a peer's 16384-bit key with a huge exponent (seconds each) must not reach one.
 */
export const MAX_RSA_BITS = 16384;
export const MAX_RSA_PUBLIC_EXPONENT = 1n << 33n;

function rsaPublicFrom(d: Der, bytes: Uint8Array): PublicKey {
  const [nNode, eNode] = d.seq(d.parse(bytes), 2);
  const n = d.int(nNode);
  const e = d.int(eNode);
  if (n < 3n || e < 3n || (e & 1n) === 0n || e >= n) d.fail('RSA public key out of range');
  const bits = bitLength(n);
  if (bits > MAX_RSA_BITS) throw new TlsError('cert_unsupported_key', `${d.what}: RSA key of ${bits} bits (at most ${MAX_RSA_BITS} are accepted)`);
  if (e > MAX_RSA_PUBLIC_EXPONENT) throw new TlsError('cert_unsupported_key', `${d.what}: RSA public exponent over 2^33`);
  return { kind: 'rsa', n, e, bits };
}

/** Validate an EC point (on the curve, not infinity) and return its uncompressed form. */
function ecPoint(d: Der, curve: NamedCurve, bytes: Uint8Array): Uint8Array {
  try {
    return CURVES[curve].Point.fromBytes(bytes).toBytes(false);
  } catch {
    return d.fail(`invalid ${curve} point`);
  }
}

function curveFromParams(d: Der, params: Node | undefined, unsupportedCode: ErrorCode): NamedCurve {
  if (!(params instanceof asn1js.ObjectIdentifier)) {
    throw new TlsError(unsupportedCode, `${d.what}: only named curves are supported (explicit EC parameters are not)`);
  }
  const oid = d.oid(params);
  const curve = CURVE_OIDS[oid];
  if (!curve) throw new TlsError(unsupportedCode, `${d.what}: unsupported elliptic curve ${oid}`);
  return curve;
}

/** Parse a DER SubjectPublicKeyInfo. Malformed → cert_malformed; algorithms we do not do → cert_unsupported_key. */
export function parseSpki(der: Uint8Array): PublicKey {
  const d: Der = new Der('cert_malformed', 'SubjectPublicKeyInfo');
  const [algNode, keyNode] = d.seq(d.parse(der), 2);
  const [oidNode, params] = d.seq(algNode, 1);
  const oid = d.oid(oidNode);
  const keyBits = d.bits(keyNode);
  switch (oid) {
    case OID.rsaEncryption:
      return rsaPublicFrom(d, keyBits);
    case OID.rsassaPss:
      // PSS-restricted RSA key: the same numbers; the restriction is recorded for signature-scheme checks.
      return { ...rsaPublicFrom(d, keyBits), pss: true } as PublicKey;
    case OID.ecPublicKey: {
      const curve = curveFromParams(d, params, 'cert_unsupported_key');
      return { kind: 'ec', curve, point: ecPoint(d, curve, keyBits), bits: CURVE_BITS[curve] };
    }
    case OID.ed25519:
      if (params !== undefined) d.fail('Ed25519 AlgorithmIdentifier must have no parameters');
      if (keyBits.length !== 32) d.fail('Ed25519 public key must be 32 bytes');
      return { kind: 'ed25519', raw: keyBits, bits: 256 };
    default:
      throw new TlsError('cert_unsupported_key', `unsupported public key algorithm ${oid}`);
  }
}

const derLen = (n: number): number[] =>
  n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = concat(...parts);
  return Uint8Array.from([tag, ...derLen(body.length), ...body]);
}
function derInt(x: bigint): Uint8Array {
  const b = bigIntToMinBytes(x);
  return tlv(0x02, b.length === 0 || b[0]! & 0x80 ? Uint8Array.from([0, ...b]) : b);
}
function derOid(oid: string): Uint8Array {
  return new Uint8Array(new asn1js.ObjectIdentifier({ value: oid }).toBER());
}
const NULL = Uint8Array.from([5, 0]);

/** DER SubjectPublicKeyInfo for a public key (RSA keys as rsaEncryption, or RSASSA-PSS without parameters). */
export function encodeSpki(pub: PublicKey): Uint8Array {
  const bitString = (b: Uint8Array) => tlv(0x03, Uint8Array.of(0), b);
  switch (pub.kind) {
    case 'rsa': {
      const alg = (pub as { pss?: boolean }).pss ? tlv(0x30, derOid(OID.rsassaPss)) : tlv(0x30, derOid(OID.rsaEncryption), NULL);
      return tlv(0x30, alg, bitString(tlv(0x30, derInt(pub.n), derInt(pub.e))));
    }
    case 'ec':
      return tlv(0x30, tlv(0x30, derOid(OID.ecPublicKey), derOid(CURVE_OID_BY_NAME[pub.curve])), bitString(pub.point));
    case 'ed25519':
      return tlv(0x30, tlv(0x30, derOid(OID.ed25519)), bitString(pub.raw));
  }
}

// ---------- private keys ----------

function rsaPrivateFrom(d: Der, der: Uint8Array, pss = false): PrivateKey {
  const f = d.seq(d.parse(der), 9);
  if (d.int(f[0]) !== 0n) d.fail('only two-prime RSA keys (version 0) are supported');
  const [n, e, dd, p, q, dp, dq, qinv] = f.slice(1, 9).map((x) => d.int(x)) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  if (p * q !== n || n < 3n) d.fail('RSA private key is inconsistent (p·q ≠ n)');
  const key = { kind: 'rsa' as const, n, e, d: dd, p, q, dp, dq, qinv, bits: bitLength(n) };
  return pss ? ({ ...key, pss: true } as PrivateKey) : key;
}

function ecPrivateFrom(d: Der, der: Uint8Array, outerCurve?: NamedCurve): PrivateKey {
  const f = d.seq(d.parse(der), 2);
  if (d.int(f[0]) !== 1n) d.fail('unsupported ECPrivateKey version');
  const scalar = d.octets(f[1]);
  let curve = outerCurve;
  let point: Uint8Array | undefined;
  for (const el of f.slice(2)) {
    const params = d.explicit(el, 0);
    if (params) {
      const c = curveFromParams(d, params, 'config_bad_key');
      if (curve && c !== curve) d.fail('curve in the key does not match its algorithm parameters');
      curve = c;
    }
    const pub = d.explicit(el, 1);
    if (pub) point = d.bits(pub);
  }
  if (!curve) d.fail('EC key does not name its curve');
  const len = CURVE_BYTES[curve];
  // Some encoders drop leading zero bytes of the scalar; restore the fixed width noble expects.
  if (scalar.length > len) d.fail(`EC private scalar longer than ${curve} allows`);
  const dBytes = new Uint8Array(len);
  dBytes.set(scalar, len - scalar.length);
  if (!CURVES[curve].utils.isValidSecretKey(dBytes)) d.fail(`EC private scalar out of range for ${curve}`);
  const computed = CURVES[curve].getPublicKey(dBytes, false);
  if (point && !equalBytes(ecPoint(d, curve, point), computed)) d.fail('EC public point does not match the private scalar');
  return { kind: 'ec', curve, d: dBytes, point: computed, bits: CURVE_BITS[curve] };
}

function ed25519PrivateFrom(d: Der, octets: Uint8Array): PrivateKey {
  const seed = d.octets(d.parse(octets)); // CurvePrivateKey ::= OCTET STRING inside the privateKey OCTET STRING
  if (seed.length !== 32) d.fail('Ed25519 private key must be 32 bytes');
  return { kind: 'ed25519', seed, raw: ed25519.getPublicKey(seed), bits: 256 };
}

/** PKCS#8 PrivateKeyInfo / OneAsymmetricKey. */
function pkcs8From(d: Der, der: Uint8Array): PrivateKey {
  const f = d.seq(d.parse(der), 3);
  const version = d.int(f[0]);
  if (version !== 0n && version !== 1n) d.fail('unsupported PKCS#8 version');
  const [oidNode, params] = d.seq(f[1], 1);
  const oid = d.oid(oidNode);
  const inner = d.octets(f[2]);
  switch (oid) {
    case OID.rsaEncryption:
      return rsaPrivateFrom(d, inner);
    case OID.rsassaPss:
      return rsaPrivateFrom(d, inner, true);
    case OID.ecPublicKey:
      return ecPrivateFrom(d, inner, curveFromParams(d, params, 'config_bad_key'));
    case OID.ed25519:
      return ed25519PrivateFrom(d, inner);
    default:
      return d.fail(`unsupported private key algorithm ${oid}`);
  }
}

/** PKCS#8 EncryptedPrivateKeyInfo with PBES2 (PBKDF2 + AES-CBC), as `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes. */
function decryptPkcs8(d: Der, der: Uint8Array, passphrase: string | undefined): Uint8Array {
  if (passphrase === undefined) d.fail('encrypted key: passphrase required');
  const [algNode, dataNode] = d.seq(d.parse(der), 2);
  const [schemeNode, paramsNode] = d.seq(algNode, 2);
  const scheme = d.oid(schemeNode);
  if (scheme !== OID.pbes2) d.fail(`unsupported key encryption ${scheme} (only PBES2 is supported; re-encrypt with openssl pkcs8 -topk8 -v2 aes-256-cbc)`);
  const [kdfNode, encNode] = d.seq(paramsNode, 2);
  const [kdfOid, kdfParams] = d.seq(kdfNode, 2);
  if (d.oid(kdfOid) !== OID.pbkdf2) d.fail('unsupported PBES2 key derivation (only PBKDF2 is supported)');
  const kp = d.seq(kdfParams, 2);
  const salt = d.octets(kp[0]);
  const iterations = Number(d.int(kp[1]));
  let keyLength: number | undefined;
  let prf: HashName = 'sha1';
  for (const el of kp.slice(2)) {
    if (el instanceof asn1js.Integer) keyLength = Number(d.int(el));
    else {
      const [prfOid] = d.seq(el, 1);
      const p = PBKDF2_PRFS[d.oid(prfOid)];
      if (!p) d.fail('unsupported PBKDF2 PRF');
      prf = p;
    }
  }
  const [encOid, ivNode] = d.seq(encNode, 2);
  const aesLen = AES_CBC_OIDS[d.oid(encOid)];
  if (!aesLen) d.fail('unsupported PBES2 cipher (AES-128/192/256-CBC are supported)');
  if (keyLength !== undefined && keyLength !== aesLen) d.fail('PBKDF2 key length does not match the cipher');
  const iv = d.octets(ivNode);
  if (iv.length !== 16) d.fail('AES-CBC IV must be 16 bytes');
  if (iterations < 1 || iterations > 10_000_000) d.fail('unreasonable PBKDF2 iteration count');
  const key = pbkdf2(hashFn(prf), new TextEncoder().encode(passphrase), salt, { c: iterations, dkLen: aesLen });
  try {
    return cbc(key, iv).decrypt(d.octets(dataNode));
  } catch {
    return d.fail('wrong passphrase');
  }
}

/**
 * Parse a private key: PEM (RSA PRIVATE KEY, EC PRIVATE KEY, PRIVATE KEY, ENCRYPTED PRIVATE KEY) or raw DER
 * (PKCS#8, PKCS#1 or SEC1, tried in that order). Every failure is config_bad_key with a message saying what to fix.
 */
export function parsePrivateKey(input: PemInput, passphrase?: string): PrivateKey {
  const d: Der = new Der('config_bad_key', 'private key');
  const v = readPemInput(input);
  if (typeof v !== 'string' && !looksLikePem(v)) return parseRawDer(d, v);
  const text = typeof v === 'string' ? v : new TextDecoder('latin1').decode(v);
  // An "EC PARAMETERS" block (openssl ecparam -genkey) may come first; the key block is what matters.
  const block = pemBlocks(text).find((b) => b.label !== 'EC PARAMETERS');
  if (!block) d.fail('no PEM private key block found');
  if (/ENCRYPTED/.test(block.headers['Proc-Type'] ?? '')) {
    d.fail('legacy OpenSSL-encrypted PEM (Proc-Type/DEK-Info) is not supported; convert it with openssl pkcs8 -topk8 -v2 aes-256-cbc');
  }
  switch (block.label) {
    case 'RSA PRIVATE KEY':
      return rsaPrivateFrom(d, block.der);
    case 'EC PRIVATE KEY':
      return ecPrivateFrom(d, block.der);
    case 'PRIVATE KEY':
      return pkcs8From(d, block.der);
    case 'ENCRYPTED PRIVATE KEY': {
      const plain = decryptPkcs8(d, block.der, passphrase);
      try {
        return pkcs8From(d, plain);
      } catch (e) {
        // A wrong passphrase occasionally yields valid padding but garbage inside.
        if (e instanceof TlsError) d.fail('wrong passphrase (decrypted data is not a private key)');
        throw e;
      }
    }
    default:
      return d.fail(`PEM block "${block.label}" is not a private key`);
  }
}

function parseRawDer(d: Der, der: Uint8Array): PrivateKey {
  const errors: string[] = [];
  for (const f of [pkcs8From, rsaPrivateFrom, ecPrivateFrom] as const) {
    try {
      return f(d, der);
    } catch (e) {
      if (!(e instanceof TlsError)) throw e;
      errors.push(e.message);
    }
  }
  return d.fail(`DER is not a PKCS#8, PKCS#1 or SEC1 private key (${errors.join('; ')})`);
}

/** Public keys from PEM/DER SubjectPublicKeyInfo blobs ("PUBLIC KEY" blocks). */
export function parsePublicKeyPem(input: PemInput): PublicKey {
  const blobs = derBlobs(input, ['PUBLIC KEY']);
  if (blobs.length === 0) throw new TlsError('config_bad_key', 'no PUBLIC KEY block found');
  return parseSpki(blobs[0]!.der);
}

export function publicFromPrivate(priv: PrivateKey): PublicKey {
  switch (priv.kind) {
    case 'rsa': {
      const pub: PublicKey = { kind: 'rsa', n: priv.n, e: priv.e, bits: priv.bits };
      return priv.pss ? { ...pub, pss: true } : pub;
    }
    case 'ec':
      return { kind: 'ec', curve: priv.curve, point: priv.point, bits: priv.bits };
    case 'ed25519':
      return { kind: 'ed25519', raw: priv.raw, bits: 256 };
  }
}

/** Whether a certificate's public key belongs to a private key. */
export function keysMatch(pub: PublicKey, priv: PrivateKey): boolean {
  if (pub.kind === 'rsa' && priv.kind === 'rsa') return pub.n === priv.n && pub.e === priv.e;
  if (pub.kind === 'ec' && priv.kind === 'ec') return pub.curve === priv.curve && equalBytes(pub.point, priv.point);
  if (pub.kind === 'ed25519' && priv.kind === 'ed25519') return equalBytes(pub.raw, priv.raw);
  return false;
}

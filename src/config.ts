/**
 * Turning user options into handshake configuration: versions, suites, groups, signature schemes,
 * certificates and keys, and the certificate verifier. Shared by connect() and accept().
 */
import { platform } from './platform.js';
import { TlsError, CertificateError } from './errors.js';
import { derBlobs, type PemInput } from './pem.js';
import { equalBytes, toHex } from './bytes.js';
import { hash } from './crypto/hash.js';
import {
  ALL_CIPHER_SUITES,
  TLS12,
  TLS13,
  suiteByName,
  versionFromName,
  type CipherSuite,
  type ProtocolVersion,
  type TlsVersion,
} from './crypto/suites.js';
import { GROUPS, type GroupName } from './crypto/kex.js';
import { schemeByName } from './crypto/sig.js';
import { parsePrivateKey, keysMatch } from './crypto/keys.js';
import type { PrivateKey } from './crypto/types.js';
import { parseCertificate, loadCertificates, type Certificate } from './x509/certificate.js';
import { verifyChain, DEFAULT_PROFILE_FOR_USER_ANCHORS, type VerifyProfile } from './x509/verify.js';
import { parseIPv4, parseIPv6, type PeerName } from './hostname/index.js';
import { DEFAULT_SIGNATURE_SCHEMES } from './handshake/signature-schemes.js';
import type { Verification } from './handshake/client.js';
import { pathNotAfter, type PeerCheck } from './handshake/session.js';

export type VerifyMode = 'required' | 'optional' | 'none';

/** The highest version offered or accepted when maxVersion is left out. */
export const DEFAULT_MAX_VERSION: ProtocolVersion = TLS13;

/**
 * [min, max] from user version names. Default: TLS 1.2 to TLS 1.3 (1.0 and 1.1 are opt-in through minVersion;
 * maxVersion 'TLSv1.2' turns 1.3 off). A maxVersion below 1.2 given alone pins the version (min = max); otherwise
 * minVersion defaults to TLS 1.2.
 */
export function versionRange(minVersion?: TlsVersion, maxVersion?: TlsVersion): [ProtocolVersion, ProtocolVersion] {
  const parse = (v: string | undefined, dflt: ProtocolVersion, what: string): ProtocolVersion => {
    if (v === undefined) return dflt;
    const n = versionFromName(v);
    if (n === undefined) throw new TlsError('config_invalid', `${what} '${v}' is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3`);
    return n;
  };
  const max = parse(maxVersion, DEFAULT_MAX_VERSION, 'maxVersion');
  const min = parse(minVersion, max < TLS12 ? max : TLS12, 'minVersion');
  if (min > max) throw new TlsError('config_invalid', `minVersion ${minVersion} is above maxVersion ${maxVersion ?? 'TLSv1.3'}`);
  return [min, max];
}

/**
 * Suites by IANA (or OpenSSL) name, in the order given; otherwise every suite, the TLS 1.3 ones first. Naming only
 * TLS 1.0–1.2 suites leaves TLS 1.3 out (it needs one of its own suites).
 */
export function cipherSuites(names?: readonly string[]): CipherSuite[] {
  if (!names) return [...ALL_CIPHER_SUITES];
  const out: CipherSuite[] = [];
  for (const n of names) {
    const s = suiteByName(n);
    if (!s) throw new TlsError('config_invalid', `unknown or unsupported cipher suite '${n}'`);
    if (!out.includes(s)) out.push(s);
  }
  if (!out.length) throw new TlsError('config_invalid', 'cipherSuites is empty');
  return out;
}

/**
 * X25519MLKEM768 first: the hybrid post-quantum group (TLS 1.3 only; a 1.2 handshake skips it) that browsers
 * offer by default; our server takes it whenever the client sent a share for it. SecP256r1MLKEM768 is supported
 * but opt-in.
 */
export const DEFAULT_GROUPS = ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096'] as const;

const GROUP_ALIASES = { 'P-256': 'secp256r1', 'P-384': 'secp384r1', X25519: 'x25519' } as const;
/**
 * A named group as options take it: its IANA name ('x25519', 'secp256r1', 'ffdhe2048', 'X25519MLKEM768',
 * 'SecP256r1MLKEM768', ...) or an alias ('P-256').
 */
export type GroupOptionName = GroupName | keyof typeof GROUP_ALIASES;

/** Named group ids from names ('x25519', 'secp256r1'/'P-256', 'secp384r1'/'P-384', 'ffdhe2048', ...). */
export function namedGroups(names: readonly string[] = DEFAULT_GROUPS): number[] {
  const alias: Record<string, string> = GROUP_ALIASES;
  return names.map((n) => {
    const id = (GROUPS as Record<string, number>)[alias[n] ?? n];
    if (id === undefined) throw new TlsError('config_invalid', `unknown or unsupported group '${n}'`);
    return id;
  });
}

/** Signature scheme ids from names ('rsa_pss_rsae_sha256', ...); default: no SHA-1, no MD5. */
export function signatureSchemes(names?: readonly string[]): number[] {
  if (!names) return [...DEFAULT_SIGNATURE_SCHEMES];
  return names.map((n) => {
    const s = schemeByName(n);
    if (!s) throw new TlsError('config_invalid', `unknown signature scheme '${n}'`);
    return s.id;
  });
}

export interface Identity {
  chain: Uint8Array[];
  key: PrivateKey;
  leaf: Certificate;
}

/** A certificate chain (leaf first, one concatenated PEM or DER) and its private key; refuses a mismatched pair. */
export function loadIdentity(cert: PemInput, key: PemInput, passphrase?: string): Identity {
  const blobs = derBlobs(cert, ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);
  if (!blobs.length) throw new TlsError('config_bad_certificate', 'no certificate found in cert');
  let leaf: Certificate;
  try {
    leaf = parseCertificate(blobs[0]!.der);
  } catch (e) {
    throw new TlsError('config_bad_certificate', `the certificate does not parse: ${(e as Error).message}`);
  }
  const priv = parsePrivateKey(key, passphrase);
  if ('error' in leaf.publicKey) {
    throw new TlsError('config_bad_certificate', `the certificate's key is not supported: ${leaf.publicKey.error.message}`);
  }
  if (!keysMatch(leaf.publicKey, priv)) {
    throw new TlsError('config_key_mismatch', 'the private key does not match the certificate');
  }
  return { chain: blobs.map((b) => b.der), key: priv, leaf };
}

/** The identity to check a peer against: an IP literal or a DNS name. */
export function peerNameOf(name: string): PeerName {
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  if (parseIPv4(bare) || parseIPv6(bare)) return { kind: 'IP', value: bare };
  return { kind: 'DNS', value: name };
}

/**
 * Parsed anchors per `ca` input. Applications pass the same bundle to every connect(), and parsing a
 * bundle on each handshake cost as much as the key exchange. Strings are exact keys (a few, bounded);
 * bytes are keyed by identity and checked against a copy, so a buffer changed in place is parsed again.
 * File-like inputs are read on every use (their content may change); the parse cache still serves them.
 */
const anchorsByText = new Map<string, Certificate[]>();
const ANCHOR_TEXTS = 8;
const anchorsByBytes = new WeakMap<object, { copy: Uint8Array; certs: Certificate[] }>();

function anchorsOf(item: PemInput): Certificate[] {
  if (typeof item === 'string') {
    let certs = anchorsByText.get(item);
    if (!certs) {
      certs = loadCertificates(item);
      if (anchorsByText.size >= ANCHOR_TEXTS) anchorsByText.delete(anchorsByText.keys().next().value!);
      anchorsByText.set(item, certs);
    }
    return certs;
  }
  if (item instanceof Uint8Array || item instanceof ArrayBuffer) {
    const view = item instanceof Uint8Array ? item : new Uint8Array(item);
    const hit = anchorsByBytes.get(item);
    if (hit && equalBytes(hit.copy, view)) return hit.certs;
    const certs = loadCertificates(view);
    anchorsByBytes.set(item, { copy: view.slice(), certs });
    return certs;
  }
  return loadCertificates(item);
}

/**
 * Trust anchors: the given PEM/DER input(s), or the platform's bundle (the systemCa hook the Node entry installs).
 * Callers must not modify the array.
 */
export async function loadTrustAnchors(ca: PemInput | PemInput[] | undefined): Promise<Certificate[]> {
  if (ca !== undefined) {
    const roots = Array.isArray(ca) ? ca.flatMap(anchorsOf) : anchorsOf(ca);
    if (!roots.length) throw new TlsError('config_no_ca', 'no certificates found in ca');
    return roots;
  }
  const systemCa = platform().systemCa;
  if (systemCa) {
    const bundle = await systemCa();
    if (bundle) return anchorsOf(bundle);
  }
  throw new TlsError(
    'config_no_ca',
    systemCa
      ? 'no system CA bundle found (set SSL_CERT_FILE or pass ca)'
      : 'pass ca: there is no system CA bundle in this environment',
  );
}

/**
 * A stable identity of a set of certificates (trust anchors, client CAs): SHA-256 over the sorted SHA-256s of their
 * DER, so order and duplicates do not matter. Sessions record it and are only resumed under the same set.
 */
const setIds = new WeakMap<readonly Certificate[], string>();
export function certificateSetId(certs: readonly Certificate[]): string {
  let id = setIds.get(certs);
  if (id === undefined) {
    const each = [...new Set(certs.map((c) => toHex(hash('sha256', c.der))))].sort();
    id = toHex(hash('sha256', new TextEncoder().encode(each.join(','))));
    setIds.set(certs, id);
  }
  return id;
}

/** Hex SHA-256 of one DER blob (a certificate's identity). */
export function derId(der: Uint8Array): string {
  return toHex(hash('sha256', der));
}

/**
 * The certificate check run inside the handshake. 'required' throws a CertificateError on failure (the handshake
 * sends the matching alert); 'optional' records the failure in the result; 'none' records that nothing was checked.
 */
/** The certificate profile a connection verifies under: the one asked for, else 'webpki' for the system bundle and
 * DEFAULT_PROFILE_FOR_USER_ANCHORS for anchors the caller supplies. Sessions record it (a session checked under one
 * profile does not stand in for a check under another). */
export function verifyProfileOf(profile: VerifyProfile | undefined, ca: PemInput | PemInput[] | undefined): VerifyProfile {
  return profile ?? (ca === undefined ? 'webpki' : DEFAULT_PROFILE_FOR_USER_ANCHORS);
}

/** makePathVerifier's check, giving the outcome and the earliest notAfter of the verified path (sessions record it). */
export function makeVerifier(o: VerifierOptions): (chain: Uint8Array[]) => Promise<PeerCheck> {
  const verify = makePathVerifier(o);
  return async (chain) => {
    const { verification, path } = await verify(chain);
    const notAfter = path ? pathNotAfter(path) : undefined;
    return { verification, ...(notAfter !== undefined ? { notAfter } : {}) };
  };
}

interface VerifierOptions {
  mode: VerifyMode;
  ca: PemInput | PemInput[] | undefined;
  /** Default: 'webpki' for the system bundle, 'rfc5280' for anchors the caller supplies (see the README). */
  profile?: VerifyProfile | undefined;
  purpose: 'server' | 'client';
  peerName?: PeerName;
  now: () => Date;
}

/**
 * makeVerifier's check, also giving the validated path (leaf first, trust anchor last) when there is one: what
 * was proven about the chain, for checks that must follow it (the OCSP staple is checked against the path's
 * issuer, never against any certificate the peer sent).
 */
export function makePathVerifier(o: VerifierOptions): (chain: Uint8Array[]) => Promise<{ verification: Verification; path?: Certificate[] }> {
  if (o.mode === 'none') {
    return async () => ({ verification: { ok: false, code: 'not_verified', message: 'certificate verification was disabled' } });
  }
  if (o.profile !== undefined && o.profile !== 'webpki' && o.profile !== 'rfc5280') {
    throw new TlsError('config_invalid', `profile must be 'webpki' or 'rfc5280'`);
  }
  const profile = verifyProfileOf(o.profile, o.ca);
  let anchors: Promise<Certificate[]> | undefined;
  return async (chain) => {
    anchors ??= loadTrustAnchors(o.ca);
    const roots = await anchors;
    let result: Verification;
    let path: Certificate[] | undefined;
    try {
      const [leafDer, ...rest] = chain;
      if (!leafDer) throw new CertificateError('cert_no_certificate', 'no certificate was presented');
      const leaf = parseCertificate(leafDer);
      const intermediates: Certificate[] = [];
      for (const der of rest) {
        try {
          intermediates.push(parseCertificate(der));
        } catch {
          // An unparseable extra certificate cannot be part of a valid path; path building goes on without it.
        }
      }
      const r = verifyChain({ leaf, intermediates, roots, time: o.now(), purpose: o.purpose, profile, ...(o.peerName ? { peerName: o.peerName } : {}) });
      result = r.ok ? { ok: true } : { ok: false, code: r.code, message: r.message };
      if (r.ok) path = r.chain;
    } catch (e) {
      if (!(e instanceof TlsError)) throw e;
      result = { ok: false, code: e.code.startsWith('cert_') ? e.code : 'cert_malformed', message: e.message };
    }
    if (!result.ok && o.mode === 'required') {
      throw new CertificateError(result.code, `certificate verify failed: ${result.message}`);
    }
    return { verification: result, ...(path ? { path } : {}) };
  };
}

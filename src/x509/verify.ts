/**
 * Certification path building and validation (RFC 5280 §6) under one of two profiles:
 * - 'webpki': RFC 5280's MUSTs for conforming CAs plus the CA/Browser Forum Baseline Requirements §7.1 certificate
 *   profiles a relying party can check (what browsers, rustls-webpki and pyca/cryptography enforce for the Web PKI);
 * - 'rfc5280': path validation as OpenSSL and Go do it, for private PKIs (trust anchors are trusted as given, a leaf
 *   may be a CA, no CA/B profile rules).
 * Paths are built depth-first from the leaf towards any trust anchor, trying every candidate issuer (exact subject
 * match, AKI/SKI as a filter) with backtracking. Path building and name-constraint checking each have a work budget
 * and fail with cert_too_complex when it runs out, so hostile inputs cost milliseconds, not seconds.
 */
import { TlsError, type ErrorCode } from '../errors.js';
import { derBlobs, type PemInput } from '../pem.js';
import { verifySignature } from '../crypto/index.js';
import type { PublicKey } from '../crypto/types.js';
import { type Certificate, parseCertificate, loadCertificates, isSelfIssued, commonNames, EKU_OIDS } from './certificate.js';
import { checkNameConstraints, certificateNames, NAME_CONSTRAINT_BUDGET, type Budget } from './nameconstraints.js';
import { matchesPeerName, commonNameProblem, canonicalDnsName, formatIp, formatIpv6Canonical, type PeerName } from '../hostname/index.js';
import { parseCrl, type Crl } from './crl.js';
import { bytesEqual, hex } from './asn1.js';

export type VerifyResult<T> = { ok: true; chain: T[] } | { ok: false; code: ErrorCode; message: string };
export type VerifyProfile = 'webpki' | 'rfc5280';

export interface VerifyChainOptions {
  leaf: Certificate;
  intermediates: Certificate[];
  roots: Certificate[];
  time: Date;
  purpose: 'server' | 'client';
  peerName?: PeerName;
  /** Required EKUs by name ('serverAuth') or dotted OID; defaults to the purpose's EKU. */
  extendedKeyUsage?: string[];
  /** Maximum number of intermediates between the leaf and the trust anchor. */
  maxDepth?: number;
  crls?: Crl[];
  /** Default 'webpki'. */
  profile?: VerifyProfile;
}

const DEFAULT_MAX_INTERMEDIATES = 8;
/** Candidate issuers visited per validation. */
export const PATH_BUDGET = 256;
/**
 * Signature verifications per validation, each (subject, issuer) pair counted once: the costly part of path building
 * (pure-JS ECDSA costs 1-10 ms). Go and rustls-webpki allow 100 native checks; no x509-limbo case that should
 * validate needs more than 24 here.
 */
export const SIGNATURE_BUDGET = 32;
const MIN_RSA_BITS = 2048;
const ANY_EKU = EKU_OIDS.anyExtendedKeyUsage!;

class Fail extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

interface Ctx {
  profile: VerifyProfile;
  webpki: boolean;
  time: Date;
  required: string[];
  ncBudget: Budget;
}

function keyOf(c: Certificate): PublicKey {
  if ('error' in c.publicKey) throw new Fail('cert_unsupported_key', `unsupported public key: ${c.publicKey.error.message}`);
  return c.publicKey;
}

function label(c: Certificate): string {
  const cn = commonNames(c.subject)[0];
  return cn ? `'${cn}'` : 'certificate ' + c.serialNumber;
}

/** CA/B BR §7.1.3.1.1 / §7.1.3.1.2: the only SubjectPublicKeyInfo algorithm encodings a Web PKI certificate may carry. */
const BR_SPKI_ALGORITHMS = new Set([
  '300d06092a864886f70d0101010500', // rsaEncryption, NULL
  '301306072a8648ce3d020106082a8648ce3d030107', // id-ecPublicKey, P-256
  '301006072a8648ce3d020106052b81040022', // id-ecPublicKey, P-384
  '301006072a8648ce3d020106052b81040023', // id-ecPublicKey, P-521
]);
const PSS = (h: string, salt: string) =>
  `304106092a864886f70d01010a3034a00f300d06096086480165030402${h}0500a11c301a06092a864886f70d010108300d06096086480165030402${h}0500a2030201${salt}`;
/** CA/B BR §7.1.3.2.1 / §7.1.3.2.2: the only signature AlgorithmIdentifier encodings, by issuer key type. */
const BR_SIGNATURE_ALGORITHMS: Record<string, Set<string>> = {
  rsa: new Set([
    '300d06092a864886f70d01010b0500', '300d06092a864886f70d01010c0500', '300d06092a864886f70d01010d0500',
    PSS('01', '20'), PSS('02', '30'), PSS('03', '40'),
  ]),
  'P-256': new Set(['300a06082a8648ce3d040302']),
  'P-384': new Set(['300a06082a8648ce3d040303']),
  'P-521': new Set(['300a06082a8648ce3d040304']),
};

/**
 * Checks that depend only on the certificate itself, for every certificate on the path (trust anchors included,
 * as far as the profile processes them).
 */
function checkIntrinsic(c: Certificate, ctx: Ctx, role: 'leaf' | 'ca' | 'anchor'): void {
  const ext = c.extensions;
  const anchor = role === 'anchor';
  if (ext.unknownCritical.length && (ctx.webpki || !anchor)) {
    // RFC 5280 §4.2: a certificate with a critical extension we do not process must be rejected.
    throw new Fail('cert_unknown_critical_extension', `${label(c)} has unsupported critical extension ${ext.unknownCritical[0]}`);
  }
  // RFC 5280 §4.1.2.5 / §6.1.3(a)(2): the validity period includes both ends, at one-second granularity.
  if (ctx.time < c.notBefore) throw new Fail('cert_not_yet_valid', `${label(c)} is not valid before ${c.notBefore.toISOString()}`);
  if (ctx.time > c.notAfter) throw new Fail('cert_expired', `${label(c)} expired at ${c.notAfter.toISOString()}`);
  const key = keyOf(c);
  // CA/B BR §6.1.5 (and our floor for every profile): RSA moduli of at least 2048 bits, a whole number of bytes.
  if (key.kind === 'rsa' && (key.bits < MIN_RSA_BITS || key.bits % 8 !== 0)) {
    throw new Fail('cert_weak_key', `${label(c)} has a ${key.bits}-bit RSA key (at least ${MIN_RSA_BITS} required)`);
  }
  if (ctx.webpki) {
    // CA/B BR §7.1.3.1: RSA (rsaEncryption) or ECDSA on P-256/P-384/P-521, in their canonical encodings only.
    if (!BR_SPKI_ALGORITHMS.has(hex(c.spkiAlgorithmDer))) {
      throw new Fail('cert_unsupported_key', `${label(c)} has a public key algorithm the Baseline Requirements do not permit`);
    }
    // CA/B BR §7.1.1 / RFC 5280 §4.1.2.1: X.509 v3.
    if (c.version !== 3) throw new Fail('cert_malformed', `${label(c)} is a v${c.version} certificate (v3 required)`);
    // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    if (!c.validityEncodingOk) throw new Fail('cert_malformed', `${label(c)} encodes its validity dates in the wrong time type`);
  }
  // RFC 5280 §4.2.1.3: keyCertSign only with cA set; §4.2.1.10: name constraints only in CA certificates, critical.
  if (ext.keyUsage?.has('keyCertSign') && !ext.basicConstraints?.ca && (ctx.webpki || !anchor)) {
    throw new Fail('cert_bad_key_usage', `${label(c)} asserts keyCertSign without being a CA`);
  }
  if (ext.nameConstraints && !ext.basicConstraints?.ca) throw new Fail('cert_malformed', `${label(c)} has name constraints but is not a CA`);
  if (ext.nameConstraints && !ext.nameConstraints.critical) throw new Fail('cert_malformed', `${label(c)} has non-critical name constraints`);
  // RFC 5280 §4.2.1.6: an empty subject needs a critical subjectAltName; a non-empty one a non-critical SAN.
  if (c.subject.rdns.length === 0 && !ext.subjectAltName?.critical) {
    throw new Fail('cert_malformed', `${label(c)} has an empty subject and no critical subjectAltName`);
  }
  if (c.subject.rdns.length > 0 && ext.subjectAltName?.critical) {
    throw new Fail('cert_malformed', `${label(c)} has a critical subjectAltName with a non-empty subject`);
  }
  // RFC 5280 §4.1.2.4: the issuer is a non-empty distinguished name.
  if (c.issuer.rdns.length === 0) throw new Fail('cert_malformed', `${label(c)} has an empty issuer`);
  if (!anchor) {
    // RFC 5280 §4.1.1.2: signatureAlgorithm equals tbsCertificate.signature (OpenSSL and Go check it too).
    if (!c.signatureAlgorithmsMatch) throw new Fail('cert_malformed', `${label(c)} has mismatched signature algorithms`);
    if (ctx.webpki) {
      // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets.
      const serial = c.serialBytes;
      if (serial.length > 20 || serial[0]! & 0x80 || serial.every((x) => x === 0)) {
        throw new Fail('cert_malformed', `${label(c)} has an invalid serial number`);
      }
    }
  }
  if (ctx.webpki) checkKeyIdentifiers(c, role);
}

/** RFC 5280 §4.2.1.1 / §4.2.1.2 and CA/B BR §7.1.2.11.1 (webpki). */
function checkKeyIdentifiers(c: Certificate, role: 'leaf' | 'ca' | 'anchor'): void {
  const aki = c.extensions.authorityKeyIdentifier;
  const ski = c.extensions.subjectKeyIdentifier;
  const selfSigned = isSelfIssued(c);
  // §4.2.1.1: keyIdentifier MUST be included in every certificate except a self-signed one.
  if (!selfSigned && !aki?.keyId) throw new Fail('cert_malformed', `${label(c)} has no authorityKeyIdentifier keyIdentifier`);
  // BR §7.1.2.11.1: authorityCertIssuer and authorityCertSerialNumber MUST NOT be present.
  if (aki?.hasIssuerAndSerial) throw new Fail('cert_malformed', `${label(c)}: authorityKeyIdentifier carries an issuer and serial`);
  if (aki && !aki.keyId) throw new Fail('cert_malformed', `${label(c)}: authorityKeyIdentifier without keyIdentifier`);
  // A self-signed root's AKI names its own key. (A self-issued intermediate may be a key-rollover certificate whose
  // AKI rightly names the old key.)
  if (selfSigned && role === 'anchor' && aki?.keyId && ski && !bytesEqual(aki.keyId, ski)) {
    throw new Fail('cert_malformed', `${label(c)}: self-signed, but its AKI does not match its own SKI`);
  }
  // §4.2.1.2: the subjectKeyIdentifier MUST appear in all conforming CA certificates (intermediates; an anchor is
  // trusted as configured).
  if (role === 'ca' && !ski) throw new Fail('cert_malformed', `${label(c)} is a CA certificate without subjectKeyIdentifier`);
}

/** Checks on a certificate acting as an issuer (intermediate, or an anchor under webpki). RFC 5280 §6.1.4 (k)-(n). */
function checkCa(c: Certificate, ctx: Ctx): void {
  const bc = c.extensions.basicConstraints;
  if (!bc?.ca) throw new Fail('cert_not_ca', `${label(c)} is not a CA certificate (basicConstraints cA is not set)`);
  // §4.2.1.9: conforming CAs MUST mark basicConstraints critical (OpenSSL and Go do not check).
  if (ctx.webpki && !bc.critical) throw new Fail('cert_not_ca', `${label(c)} has a non-critical basicConstraints extension`);
  const ku = c.extensions.keyUsage;
  // §4.2.1.3: a CA's keyUsage, when present, must assert keyCertSign; webpki (BR §7.1.2.10.7) requires it present.
  if (ku && !ku.has('keyCertSign')) throw new Fail('cert_bad_key_usage', `${label(c)} may not sign certificates (keyUsage)`);
  if (!ku && ctx.webpki) throw new Fail('cert_bad_key_usage', `${label(c)} is a CA certificate without keyUsage`);
  if (c.version !== 3) throw new Fail('cert_not_ca', `${label(c)} is a v${c.version} certificate and cannot be a CA`);
}

function ekuOid(name: string): string {
  return EKU_OIDS[name] ?? name;
}

/**
 * The leaf's own profile. webpki: CA/B BR §7.1.2.7 (subscriber certificates): not a CA (§7.1.2.7.8), EKU
 * non-critical, without anyExtendedKeyUsage and with the purpose (§7.1.2.7.10), a SAN for servers (§7.1.2.7.12)
 * whose DNS names are well formed (RFC 5280 §4.2.1.6), and a CN that repeats a SAN (§7.1.4.3).
 * rfc5280: the EKU, when present, must allow the purpose (anyExtendedKeyUsage does, as in OpenSSL and Go).
 */
function checkLeaf(c: Certificate, ctx: Ctx, purpose: 'server' | 'client'): void {
  const ext = c.extensions;
  const eku = ext.extKeyUsage;
  if (eku) {
    if (ctx.webpki && eku.critical) throw new Fail('cert_bad_eku', `${label(c)} has a critical extendedKeyUsage`);
    if (ctx.webpki && eku.oids.includes(ANY_EKU)) throw new Fail('cert_bad_eku', `${label(c)} asserts anyExtendedKeyUsage`);
    if (!eku.oids.includes(ANY_EKU)) {
      for (const r of ctx.required) {
        if (!eku.oids.includes(ekuOid(r))) throw new Fail('cert_bad_eku', `${label(c)} is not valid for ${r} (extendedKeyUsage)`);
      }
    }
  }
  if (!ctx.webpki) return;
  if (ext.basicConstraints?.ca) throw new Fail('cert_ca_as_leaf', `${label(c)} is a CA certificate in the end-entity position`);
  const sans = ext.subjectAltName?.names;
  if (!sans && purpose === 'server') throw new Fail('cert_malformed', `${label(c)} has no subjectAltName extension`);
  for (const g of sans ?? []) {
    if (g.kind === 'DNS' && !canonicalDnsName(g.value, true)) throw new Fail('cert_malformed', `${label(c)} has a malformed DNS name '${g.value}'`);
    if (g.kind === 'DNS' && g.value.includes('*') && !/^\*\.[^*]+$/.test(g.value)) {
      throw new Fail('cert_malformed', `${label(c)} has a malformed wildcard '${g.value}'`);
    }
    if (g.kind === 'IP' && g.bytes.length !== 4 && g.bytes.length !== 16) throw new Fail('cert_malformed', `${label(c)} has a malformed IP address`);
  }
  const cnProblem = commonNameProblem(c);
  if (cnProblem) throw new Fail('cert_malformed', `${label(c)}: ${cnProblem}`);
}

/** An issuing CA's EKU, when present, constrains the leaf's purposes (Go's behaviour). */
function checkCaEku(c: Certificate, required: string[]): void {
  const eku = c.extensions.extKeyUsage;
  if (!eku || eku.oids.includes(ANY_EKU)) return;
  for (const r of required) {
    if (!eku.oids.includes(ekuOid(r))) throw new Fail('cert_bad_eku', `${label(c)} may not issue for ${r} (extendedKeyUsage)`);
  }
}

function keyMatchesAlg(key: PublicKey, kind: string): boolean {
  if (key.kind === 'rsa') return kind === 'rsa-pkcs1' || kind === 'rsa-pss';
  if (key.kind === 'ec') return kind === 'ecdsa';
  return kind === 'ed25519';
}

/**
 * Signatures over a certificate's own TBS already found valid, per (certificate, issuer key). Both objects come
 * from the DER-keyed parse cache and are read-only, and verification depends on nothing else, so a hit is exact:
 * the same server chain arriving on every connection is not verified again (BigInt RSA, a few per cent of a
 * full handshake). Only successes are kept, and only while both objects live.
 */
const verifiedSignatures = new WeakMap<Certificate, WeakMap<PublicKey, true>>();

/** Verify `subject`'s signature with `issuer`'s key. */
function checkSignature(subject: Certificate, issuer: Certificate, ctx: Ctx | null, data = subject.tbsDer, sig = subject.signature,
  algInfo = subject.signatureAlgorithm, what = label(subject)): void {
  if (!algInfo.supported) throw new Fail('cert_bad_signature', `${what} uses unsupported signature algorithm ${algInfo.name}`);
  const alg = algInfo.alg;
  if (alg.kind !== 'ed25519' && (alg.hash === 'sha1' || alg.hash === 'md5' || alg.hash === 'md5sha1')) {
    throw new Fail('cert_weak_signature', `${what} is signed with ${algInfo.name}, which is no longer accepted`);
  }
  const key = keyOf(issuer);
  if (!keyMatchesAlg(key, alg.kind)) throw new Fail('cert_bad_signature', `${what}: signature algorithm does not match the issuer's key`);
  if (ctx?.webpki) {
    // CA/B BR §7.1.3.2: the permitted algorithms for the issuer's key, byte for byte (ECDSA hash paired to the curve).
    const allowed = BR_SIGNATURE_ALGORITHMS[key.kind === 'ec' ? key.curve : key.kind];
    if (!allowed?.has(hex(subject.signatureAlgorithmDer))) {
      throw new Fail('cert_weak_signature', `${what} is signed with ${algInfo.name}, which the Baseline Requirements do not permit for this key`);
    }
  }
  const own = data === subject.tbsDer && sig === subject.signature && algInfo === subject.signatureAlgorithm;
  if (own && verifiedSignatures.get(subject)?.has(key)) return;
  let ok = false;
  try {
    ok = verifySignature(alg, key, data, sig);
  } catch {
    ok = false;
  }
  if (!ok) throw new Fail('cert_bad_signature', `${what}: signature does not verify with ${label(issuer)}'s key`);
  if (own) {
    let seen = verifiedSignatures.get(subject);
    if (!seen) verifiedSignatures.set(subject, (seen = new WeakMap()));
    seen.set(key, true);
  }
}

function nonSelfIssuedBelow(chain: Certificate[]): number {
  // Intermediates between the leaf (index 0) and the issuer being added; self-issued ones do not count.
  let n = 0;
  for (let i = 1; i < chain.length; i++) if (!isSelfIssued(chain[i]!)) n++;
  return n;
}

/**
 * RFC 5280 §4.2.1.10 / §6.1.3(b)-(c): every CA's name constraints apply to the certificates below it (self-issued
 * intermediates excepted); the leaf's host-name-like CN counts as a DNS name when it has no DNS SAN.
 */
function checkChainNameConstraints(chain: Certificate[], ctx: Ctx): void {
  for (let i = chain.length - 1; i >= 1; i--) {
    const nc = chain[i]!.extensions.nameConstraints;
    if (!nc) continue;
    for (let j = i - 1; j >= 0; j--) {
      const c = chain[j]!;
      if (j > 0 && isSelfIssued(c)) continue;
      const why = checkNameConstraints(nc, certificateNames(c, j === 0), ctx.ncBudget);
      if (why) throw new Fail('cert_name_constraints', `${label(c)}: ${why} (constraints of ${label(chain[i]!)})`);
    }
  }
}

function checkRevocation(chain: Certificate[], crls: Crl[], time: Date): void {
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i]!;
    const issuer = chain[i + 1]!;
    for (const crl of crls) {
      if (!bytesEqual(crl.issuer.der, cert.issuer.der)) continue;
      if (crl.unknownCritical.length) throw new Fail('cert_revoked', `CRL of ${label(issuer)} has an unsupported critical extension`);
      if (crl.crlNumber === undefined) throw new Fail('cert_revoked', `CRL of ${label(issuer)} has no CRL number`);
      const ku = issuer.extensions.keyUsage;
      if (ku && !ku.has('cRLSign')) throw new Fail('cert_revoked', `${label(issuer)} may not sign CRLs`);
      checkSignature(cert, issuer, null, crl.tbsDer, crl.signature, crl.signatureAlgorithm, 'CRL');
      if (crl.nextUpdate && time > crl.nextUpdate) throw new Fail('cert_revoked', `CRL of ${label(issuer)} is out of date`);
      if (crl.revoked.some((r) => bytesEqual(r, cert.serialBytes))) {
        throw new Fail('cert_revoked', `${label(cert)} (serial ${cert.serialNumber}) has been revoked`);
      }
    }
  }
}

/** Validate and return the certificate path from the leaf to a trust anchor (leaf first, anchor last). */
export function verifyChain(opts: VerifyChainOptions): VerifyResult<Certificate> {
  try {
    return { ok: true, chain: buildAndCheck(opts) };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, code: e.code, message: e.message };
    if (e instanceof TlsError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

/**
 * What the certificate names, in the words of Node's checkServerIdentity, so a mismatch shows what it is valid for:
 * "Host: x. is not in the cert's altnames: DNS:a, DNS:b" (IP: "IP: 10.0.0.1 is not in the cert's list: 10.0.0.2").
 */
function mismatchDetail(leaf: Certificate, peer: PeerName): string {
  const san = leaf.extensions.subjectAltName?.names ?? [];
  if (peer.kind === 'IP') {
    const ips = san.flatMap((g) => (g.kind === 'IP' ? [g.bytes.length === 16 ? formatIpv6Canonical(g.bytes) : formatIp(g.bytes)] : []));
    return `IP: ${peer.value} is not in the cert's list: ${ips.join(', ')}`;
  }
  const altnames = san.flatMap((g) => (g.kind === 'DNS' ? [`DNS:${g.value}`] : g.kind === 'IP' ? [`IP Address:${formatIp(g.bytes)}`] : []));
  if (altnames.length || leaf.extensions.subjectAltName) return `Host: ${peer.value}. is not in the cert's altnames: ${altnames.join(', ')}`;
  return `Host: ${peer.value}. is not cert's CN: ${commonNames(leaf.subject).join(', ')}`;
}

function buildAndCheck(o: VerifyChainOptions): Certificate[] {
  const { leaf } = o;
  const profile = o.profile ?? 'webpki';
  if (profile !== 'webpki' && profile !== 'rfc5280') throw new Fail('config_invalid', `unknown verification profile '${String(profile)}'`);
  const ctx: Ctx = {
    profile,
    webpki: profile === 'webpki',
    // Certificate times have one-second resolution (RFC 5280 §4.1.2.5): compare whole seconds.
    time: new Date(Math.floor(o.time.getTime() / 1000) * 1000),
    required: o.extendedKeyUsage?.length ? o.extendedKeyUsage : [o.purpose === 'client' ? 'clientAuth' : 'serverAuth'],
    ncBudget: { left: NAME_CONSTRAINT_BUDGET },
  };
  const maxIntermediates = o.maxDepth ?? DEFAULT_MAX_INTERMEDIATES;
  checkIntrinsic(leaf, ctx, 'leaf');
  checkLeaf(leaf, ctx, o.purpose);
  if (o.peerName && !matchesPeerName(leaf, o.peerName, { publicSuffixWildcards: !ctx.webpki })) {
    throw new Fail('cert_hostname_mismatch', `certificate is not valid for ${o.peerName.kind} name '${o.peerName.value}': ${mismatchDetail(leaf, o.peerName)}`);
  }

  // A leaf that is itself a trust anchor is trusted as configured (a self-signed server certificate given as `ca`),
  // as OpenSSL, Go, Node and Python do. Its own profile was checked above.
  if (o.roots.some((r) => bytesEqual(r.der, leaf.der))) {
    checkRevocation([leaf], o.crls ?? [], ctx.time);
    return [leaf];
  }

  const anchors = new Set(o.roots);
  const pool = [...o.roots, ...o.intermediates.filter((c) => !o.roots.some((r) => bytesEqual(r.der, c.der)))];
  let budget = PATH_BUDGET;
  let signatures = SIGNATURE_BUDGET;
  // (subject, issuer) pairs already verified on another branch: backtracking never pays twice for one signature.
  const verified = new Map<Certificate, Map<Certificate, Fail | null>>();
  const signedBy = (subject: Certificate, issuer: Certificate) => {
    let row = verified.get(subject);
    if (!row) verified.set(subject, (row = new Map()));
    if (!row.has(issuer)) {
      if (--signatures < 0) throw new Fail('cert_too_complex', `path building gave up after ${SIGNATURE_BUDGET} signature checks`);
      try {
        checkSignature(subject, issuer, ctx);
        row.set(issuer, null);
      } catch (e) {
        if (!(e instanceof Fail)) throw e;
        row.set(issuer, e);
      }
    }
    const f = row.get(issuer);
    if (f) throw f;
  };
  let best: Fail | null = null;
  const remember = (f: Fail) => {
    // Prefer the most specific reason over "no issuer found".
    if (!best || (best.code === 'cert_untrusted' && f.code !== 'cert_untrusted')) best = f;
  };

  const extend = (chain: Certificate[]): Certificate[] | null => {
    const cur = chain[chain.length - 1]!;
    const candidates = pool.filter((c) => bytesEqual(c.subject.der, cur.issuer.der));
    if (candidates.length === 0) remember(new Fail('cert_untrusted', `no trusted issuer found for ${label(cur)}`));
    // Anchors first, then candidates whose SKI matches the AKI.
    const aki = cur.extensions.authorityKeyIdentifier?.keyId;
    const rank = (c: Certificate) => (anchors.has(c) ? 0 : 2) + (aki && c.extensions.subjectKeyIdentifier && bytesEqual(aki, c.extensions.subjectKeyIdentifier) ? 0 : 1);
    candidates.sort((a, b) => rank(a) - rank(b));
    for (const cand of candidates) {
      if (--budget < 0) throw new Fail('cert_too_complex', `path building gave up after ${PATH_BUDGET} candidate issuers`);
      if (chain.some((c) => c === cand || (bytesEqual(c.subject.der, cand.subject.der) && bytesEqual(c.spkiDer, cand.spkiDer)))) continue;
      const isAnchor = anchors.has(cand);
      try {
        const ski = cand.extensions.subjectKeyIdentifier;
        if (aki && ski && !bytesEqual(aki, ski)) throw new Fail('cert_untrusted', `${label(cand)}'s key identifier does not match`);
        const intermediates = chain.length - 1;
        if (!isAnchor && intermediates + 1 > maxIntermediates) {
          throw new Fail('cert_chain_too_long', `chain needs more than ${maxIntermediates} intermediates`);
        }
        checkIntrinsic(cand, ctx, isAnchor ? 'anchor' : 'ca');
        // rfc5280 (§6.1.1(d)): a trust anchor is trusted as configured, not processed as a CA certificate.
        if (!isAnchor || ctx.webpki) {
          checkCa(cand, ctx);
          const pathLen = cand.extensions.basicConstraints?.pathLen;
          if (pathLen !== undefined && nonSelfIssuedBelow(chain) > pathLen) {
            throw new Fail('cert_path_length', `${label(cand)} allows at most ${pathLen} intermediates below it`);
          }
          checkCaEku(cand, ctx.required);
        }
        signedBy(cur, cand);
        const next = [...chain, cand];
        if (isAnchor) {
          checkChainNameConstraints(next, ctx);
          if (o.crls?.length) checkRevocation(next, o.crls, ctx.time);
          return next;
        }
        const found = extend(next);
        if (found) return found;
      } catch (e) {
        if (!(e instanceof Fail)) throw e;
        if (e.code === 'cert_too_complex') throw e;
        remember(e);
      }
    }
    return null;
  };

  const found = extend([leaf]);
  if (found) return found;
  throw best ?? new Fail('cert_untrusted', 'no path to a trusted root');
}

/**
 * The profile used when the caller names no profile and supplies its own anchors: 'rfc5280'. Anchors a user hands
 * over are almost always a private PKI (openssl-made CAs, self-signed servers), which the CA/B profile was never
 * written for; OpenSSL, Go, Node and Python validate them under RFC 5280. The system bundle gets 'webpki'.
 */
export const DEFAULT_PROFILE_FOR_USER_ANCHORS: VerifyProfile = 'rfc5280';

const toList = (x: PemInput | PemInput[] | undefined): PemInput[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/**
 * Certificates that fail to parse are dropped from root and intermediate sets: no path can go through them,
 * and an unrelated broken certificate in a bundle must not fail every validation.
 */
function loadLenient(inputs: PemInput[]): Certificate[] {
  const out: Certificate[] = [];
  for (const b of derBlobs(inputs, ['CERTIFICATE', 'X509 CERTIFICATE'])) {
    try {
      out.push(parseCertificate(b.der));
    } catch (e) {
      if (!(e instanceof TlsError)) throw e;
    }
  }
  return out;
}

/** The contract's path validation on PEM/DER inputs. */
export function verifyCertificateChain(o: {
  leaf: PemInput;
  intermediates?: PemInput[];
  roots: PemInput | PemInput[];
  time?: Date;
  purpose?: 'server' | 'client';
  peerName?: PeerName;
  extendedKeyUsage?: string[];
  maxDepth?: number;
  crls?: PemInput[];
  /** 'webpki' (CA/B profile) or 'rfc5280' (OpenSSL/Go-like, for private PKIs); default 'rfc5280' (see README). */
  profile?: VerifyProfile;
}): VerifyResult<Uint8Array> {
  let opts: VerifyChainOptions;
  try {
    const leafList = loadCertificates(o.leaf);
    if (leafList.length === 0) return { ok: false, code: 'cert_malformed', message: 'no leaf certificate given' };
    const crls: Crl[] = [];
    for (const b of derBlobs(toList(o.crls), ['X509 CRL'])) crls.push(parseCrl(b.der));
    opts = {
      leaf: leafList[0]!,
      // Extra certificates after the leaf in its own input are treated as intermediates, like a TLS Certificate message.
      intermediates: [...leafList.slice(1), ...loadLenient(toList(o.intermediates))],
      roots: loadLenient(toList(o.roots)),
      time: o.time ?? new Date(),
      purpose: o.purpose ?? 'server',
      ...(o.peerName ? { peerName: o.peerName } : {}),
      ...(o.extendedKeyUsage ? { extendedKeyUsage: o.extendedKeyUsage } : {}),
      ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}),
      crls,
      profile: o.profile ?? DEFAULT_PROFILE_FOR_USER_ANCHORS,
    };
  } catch (e) {
    if (e instanceof TlsError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
  const r = verifyChain(opts);
  return r.ok ? { ok: true, chain: r.chain.map((c) => c.der) } : r;
}


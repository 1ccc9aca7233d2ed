/**
 * Certification path building and validation (RFC 5280 §6, with the CA/B Forum profile as Go crypto/x509 and
 * rustls-webpki enforce it). Paths are built depth-first from the leaf towards any trust anchor, trying every
 * candidate issuer (exact subject match, AKI/SKI as a filter) with backtracking, under a work budget.
 */
import { TlsError, type ErrorCode } from '../errors.js';
import { derBlobs, type PemInput } from '../pem.js';
import { verifySignature } from '../crypto/index.js';
import type { PublicKey } from '../crypto/types.js';
import { type Certificate, parseCertificate, loadCertificates, isSelfIssued, commonNames, EKU_OIDS } from './certificate.js';
import { checkNameConstraints, certificateNames } from './nameconstraints.js';
import { matchesPeerName, commonNameProblem, formatIp, formatIpv6Canonical, type PeerName } from '../hostname/index.js';
import { parseCrl, type Crl } from './crl.js';
import { bytesEqual } from './asn1.js';

export type VerifyResult<T> = { ok: true; chain: T[] } | { ok: false; code: ErrorCode; message: string };

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
}

const DEFAULT_MAX_INTERMEDIATES = 8;
/** Signature checks and candidate visits allowed per validation; keeps pathological inputs fast. */
const WORK_BUDGET = 256;
const MIN_RSA_BITS = 2048;
const ANY_EKU = EKU_OIDS.anyExtendedKeyUsage!;

class Fail extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

function keyOf(c: Certificate): PublicKey {
  if ('error' in c.publicKey) throw new Fail('cert_unsupported_key', `unsupported public key: ${c.publicKey.error.message}`);
  return c.publicKey;
}

function label(c: Certificate): string {
  const cn = commonNames(c.subject)[0];
  return cn ? `'${cn}'` : 'certificate ' + c.serialNumber;
}

/** Checks that depend only on the certificate itself. `anchor`: its own signature and algorithm are not checked. */
function checkIntrinsic(c: Certificate, time: Date, anchor: boolean): void {
  const ext = c.extensions;
  if (ext.unknownCritical.length) {
    throw new Fail('cert_unknown_critical_extension', `${label(c)} has unsupported critical extension ${ext.unknownCritical[0]}`);
  }
  if (time < c.notBefore) throw new Fail('cert_not_yet_valid', `${label(c)} is not valid before ${c.notBefore.toISOString()}`);
  if (time > c.notAfter) throw new Fail('cert_expired', `${label(c)} expired at ${c.notAfter.toISOString()}`);
  const key = keyOf(c);
  if (key.kind === 'rsa' && (key.bits < MIN_RSA_BITS || key.bits % 8 !== 0)) {
    throw new Fail('cert_weak_key', `${label(c)} has a ${key.bits}-bit RSA key (at least ${MIN_RSA_BITS} required)`);
  }
  if (ext.keyUsage?.has('keyCertSign') && !ext.basicConstraints?.ca) {
    throw new Fail('cert_bad_key_usage', `${label(c)} asserts keyCertSign without being a CA`);
  }
  if (ext.nameConstraints && !ext.basicConstraints?.ca) throw new Fail('cert_malformed', `${label(c)} has name constraints but is not a CA`);
  if (ext.nameConstraints && !ext.nameConstraints.critical) throw new Fail('cert_malformed', `${label(c)} has non-critical name constraints`);
  if (c.subject.rdns.length === 0 && !ext.subjectAltName?.critical) {
    throw new Fail('cert_malformed', `${label(c)} has an empty subject and no critical subjectAltName`);
  }
  if (c.subject.rdns.length > 0 && ext.subjectAltName?.critical) {
    throw new Fail('cert_malformed', `${label(c)} has a critical subjectAltName with a non-empty subject`);
  }
  if (c.issuer.rdns.length === 0) throw new Fail('cert_malformed', `${label(c)} has an empty issuer`);
  if (!anchor) {
    const serial = c.serialBytes;
    if (serial.length > 20 || serial[0]! & 0x80 || serial.every((x) => x === 0)) {
      throw new Fail('cert_malformed', `${label(c)} has an invalid serial number`);
    }
    if (!c.signatureAlgorithmsMatch) throw new Fail('cert_malformed', `${label(c)} has mismatched signature algorithms`);
  }
}

/** Checks on a certificate acting as an issuer (intermediate or anchor). */
function checkCa(c: Certificate): void {
  const bc = c.extensions.basicConstraints;
  if (!bc?.ca) throw new Fail('cert_not_ca', `${label(c)} is not a CA certificate`);
  if (!bc.critical) throw new Fail('cert_not_ca', `${label(c)} has a non-critical basicConstraints extension`);
  const ku = c.extensions.keyUsage;
  if (ku && !ku.has('keyCertSign')) throw new Fail('cert_bad_key_usage', `${label(c)} may not sign certificates (keyUsage)`);
  if (c.version !== 3) throw new Fail('cert_not_ca', `${label(c)} is a v${c.version} certificate and cannot be a CA`);
}

function checkAnchorAki(c: Certificate): void {
  const aki = c.extensions.authorityKeyIdentifier;
  if (!aki || !isSelfIssued(c)) return;
  if (aki.hasIssuerAndSerial) throw new Fail('cert_malformed', `${label(c)}: self-signed root with authorityCertIssuer/serial in its AKI`);
  const ski = c.extensions.subjectKeyIdentifier;
  if (aki.keyId && ski && !bytesEqual(aki.keyId, ski)) throw new Fail('cert_malformed', `${label(c)}: AKI does not match its own SKI`);
}

function ekuOid(name: string): string {
  return EKU_OIDS[name] ?? name;
}

/** EKU of the leaf: required purposes must be listed; anyExtendedKeyUsage alone does not do (webpki). */
function checkLeafEku(c: Certificate, required: string[]): void {
  const eku = c.extensions.extKeyUsage;
  if (!eku) return;
  if (eku.critical) throw new Fail('cert_bad_eku', `${label(c)} has a critical extendedKeyUsage`);
  // CA/B BR 7.1.2.7.10 forbids anyExtendedKeyUsage in subscriber certificates.
  if (eku.oids.includes(ANY_EKU)) throw new Fail('cert_bad_eku', `${label(c)} asserts anyExtendedKeyUsage`);
  for (const r of required) {
    if (!eku.oids.includes(ekuOid(r))) throw new Fail('cert_bad_eku', `${label(c)} is not valid for ${r} (extendedKeyUsage)`);
  }
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

/** Verify `subject`'s signature with `issuer`'s key. */
function checkSignature(subject: Certificate, issuer: Certificate, data = subject.tbsDer, sig = subject.signature,
  algInfo = subject.signatureAlgorithm, what = label(subject)): void {
  if (!algInfo.supported) throw new Fail('cert_bad_signature', `${what} uses unsupported signature algorithm ${algInfo.name}`);
  const alg = algInfo.alg;
  if (alg.kind !== 'ed25519' && (alg.hash === 'sha1' || alg.hash === 'md5' || alg.hash === 'md5sha1')) {
    throw new Fail('cert_weak_signature', `${what} is signed with ${algInfo.name}, which is no longer accepted`);
  }
  const key = keyOf(issuer);
  if (!keyMatchesAlg(key, alg.kind)) throw new Fail('cert_bad_signature', `${what}: signature algorithm does not match the issuer's key`);
  let ok = false;
  try {
    ok = verifySignature(alg, key, data, sig);
  } catch {
    ok = false;
  }
  if (!ok) throw new Fail('cert_bad_signature', `${what}: signature does not verify with ${label(issuer)}'s key`);
}

function nonSelfIssuedBelow(chain: Certificate[]): number {
  // Intermediates between the leaf (index 0) and the issuer being added; self-issued ones do not count.
  let n = 0;
  for (let i = 1; i < chain.length; i++) if (!isSelfIssued(chain[i]!)) n++;
  return n;
}

/** Apply every CA's name constraints to the certificates below it (self-issued intermediates excepted). */
function checkChainNameConstraints(chain: Certificate[]): void {
  for (let i = chain.length - 1; i >= 1; i--) {
    const nc = chain[i]!.extensions.nameConstraints;
    if (!nc) continue;
    for (let j = i - 1; j >= 0; j--) {
      const c = chain[j]!;
      if (j > 0 && isSelfIssued(c)) continue;
      const why = checkNameConstraints(nc, certificateNames(c));
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
      checkSignature(cert, issuer, crl.tbsDer, crl.signature, crl.signatureAlgorithm, 'CRL');
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
  const { leaf, time } = o;
  const maxIntermediates = o.maxDepth ?? DEFAULT_MAX_INTERMEDIATES;
  const required = o.extendedKeyUsage?.length ? o.extendedKeyUsage : [o.purpose === 'client' ? 'clientAuth' : 'serverAuth'];
  checkIntrinsic(leaf, time, false);
  checkLeafEku(leaf, required);
  const cnProblem = commonNameProblem(leaf);
  if (cnProblem) throw new Fail('cert_malformed', `${label(leaf)}: ${cnProblem}`);
  if (o.peerName && !matchesPeerName(leaf, o.peerName)) {
    throw new Fail('cert_hostname_mismatch', `certificate is not valid for ${o.peerName.kind} name '${o.peerName.value}': ${mismatchDetail(leaf, o.peerName)}`);
  }

  const anchors = new Set(o.roots);
  const pool = [...o.roots, ...o.intermediates.filter((c) => !o.roots.some((r) => bytesEqual(r.der, c.der)))];
  let budget = WORK_BUDGET;
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
      if (--budget < 0) throw new Fail('cert_chain_too_long', 'path building gave up: too many candidate issuers');
      if (chain.some((c) => c === cand || (bytesEqual(c.subject.der, cand.subject.der) && bytesEqual(c.spkiDer, cand.spkiDer)))) continue;
      const isAnchor = anchors.has(cand);
      try {
        const ski = cand.extensions.subjectKeyIdentifier;
        if (aki && ski && !bytesEqual(aki, ski)) throw new Fail('cert_untrusted', `${label(cand)}'s key identifier does not match`);
        const intermediates = chain.length - 1;
        if (!isAnchor && intermediates + 1 > maxIntermediates) {
          throw new Fail('cert_chain_too_long', `chain needs more than ${maxIntermediates} intermediates`);
        }
        checkIntrinsic(cand, time, isAnchor);
        checkCa(cand);
        if (isAnchor) checkAnchorAki(cand);
        const pathLen = cand.extensions.basicConstraints?.pathLen;
        if (pathLen !== undefined && nonSelfIssuedBelow(chain) > pathLen) {
          throw new Fail('cert_path_length', `${label(cand)} allows at most ${pathLen} intermediates below it`);
        }
        checkCaEku(cand, required);
        checkSignature(cur, cand);
        const next = [...chain, cand];
        if (isAnchor) {
          checkChainNameConstraints(next);
          if (o.crls?.length) checkRevocation(next, o.crls, time);
          return next;
        }
        // RFC 5280 §4.2.1.1: a CA certificate that is not self-signed must identify its issuer's key.
        if (cand.extensions.authorityKeyIdentifier === undefined && !isSelfIssued(cand)) {
          throw new Fail('cert_malformed', `${label(cand)} has no authorityKeyIdentifier`);
        }
        const found = extend(next);
        if (found) return found;
      } catch (e) {
        if (!(e instanceof Fail)) throw e;
        if (e.code === 'cert_chain_too_long' && budget < 0) throw e;
        remember(e);
      }
    }
    return null;
  };

  const found = extend([leaf]);
  if (found) return found;
  throw best ?? new Fail('cert_untrusted', 'no path to a trusted root');
}

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
    };
  } catch (e) {
    if (e instanceof TlsError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
  const r = verifyChain(opts);
  return r.ok ? { ok: true, chain: r.chain.map((c) => c.der) } : r;
}


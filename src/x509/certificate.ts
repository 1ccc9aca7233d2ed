/**
 * X.509 certificates (RFC 5280 §4) parsed into a small plain-data type. asn1js does the BER walking; the
 * structure and every extension are read here so that malformed input fails with cert_malformed and
 * no library objects leak to callers.
 */
import { TlsError } from '../errors.js';
import { derBlobs, type PemInput } from '../pem.js';
import { parseSpki } from '../crypto/index.js';
import type { PublicKey, SigAlg, HashName } from '../crypto/types.js';
import {
  type Node, parseDer, seq, isTag, children, contentBytes, encoded, oid, integerBytes, smallInt, bool, bitString,
  octets, stringValue, time, hex, bytesEqual, malformed, tagNumber, tagClass, UNIVERSAL, CONTEXT,
} from './asn1.js';

export interface Attribute { oid: string; shortName: string; value: string }
/** A distinguished name: RDNs in order (each a set of attributes) and the exact DER for comparisons. */
export interface Name { rdns: Attribute[][]; der: Uint8Array }

export type GeneralName =
  | { kind: 'DNS'; value: string }
  /** IP address (4 or 16 bytes) or, inside name constraints, address followed by mask (8 or 32 bytes). */
  | { kind: 'IP'; bytes: Uint8Array }
  | { kind: 'email'; value: string }
  | { kind: 'URI'; value: string }
  | { kind: 'dirName'; name: Name }
  | { kind: 'other'; tag: number; der: Uint8Array };

export type SignatureAlgorithm =
  | { supported: true; alg: SigAlg; oid: string; name: string }
  | { supported: false; oid: string; name: string };

export interface Extensions {
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  /** Names of the asserted bits, e.g. 'digitalSignature', 'keyCertSign'. */
  keyUsage?: Set<string>;
  extKeyUsage?: { oids: string[]; critical: boolean };
  subjectAltName?: { names: GeneralName[]; critical: boolean };
  nameConstraints?: { permitted?: GeneralName[]; excluded?: GeneralName[]; critical: boolean };
  authorityKeyIdentifier?: { keyId?: Uint8Array; hasIssuerAndSerial: boolean };
  subjectKeyIdentifier?: Uint8Array;
  crlDistributionPoints?: string[];
  authorityInfoAccess?: { ocsp: string[]; caIssuers: string[] };
  certificatePolicies?: string[];
  /** Critical extensions this parser does not understand (OIDs). */
  unknownCritical: string[];
}

export interface Certificate {
  der: Uint8Array;
  tbsDer: Uint8Array;
  version: 1 | 2 | 3;
  /** Uppercase hex, no sign byte (as Python's getpeercert). */
  serialNumber: string;
  serialBytes: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  signature: Uint8Array;
  issuer: Name;
  subject: Name;
  notBefore: Date;
  notAfter: Date;
  spkiDer: Uint8Array;
  publicKey: PublicKey | { error: TlsError };
  extensions: Extensions;
  /** The tbsCertificate signature AlgorithmIdentifier equals the outer one (RFC 5280 §4.1.1.2). */
  signatureAlgorithmsMatch: boolean;
  /** Validity dates through 2049 as UTCTime, from 2050 as GeneralizedTime (RFC 5280 §4.1.2.5). */
  validityEncodingOk: boolean;
  /** The SubjectPublicKeyInfo AlgorithmIdentifier, as encoded (CA/B BR §7.1.3.1 lists the permitted encodings). */
  spkiAlgorithmDer: Uint8Array;
  /** The outer signatureAlgorithm, as encoded (CA/B BR §7.1.3.2 lists the permitted encodings). */
  signatureAlgorithmDer: Uint8Array;
}

export const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber', '2.5.4.9': 'street', '2.5.4.4': 'SN', '2.5.4.42': 'GN', '2.5.4.12': 'title',
  '2.5.4.17': 'postalCode', '2.5.4.15': 'businessCategory', '2.5.4.46': 'dnQualifier', '2.5.4.65': 'pseudonym',
  '1.2.840.113549.1.9.1': 'emailAddress', '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC', '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL', '2.5.4.97': 'organizationIdentifier',
};

export const EKU_OIDS: Record<string, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2', codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4', timeStamping: '1.3.6.1.5.5.7.3.8', OCSPSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement',
  'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

const HASH_OIDS: Record<string, HashName> = {
  '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.4': 'sha224', '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512', '1.2.840.113549.2.5': 'md5',
};

const SIG_OIDS: Record<string, [string, SigAlg]> = {
  '1.2.840.113549.1.1.4': ['md5WithRSAEncryption', { kind: 'rsa-pkcs1', hash: 'md5' }],
  '1.2.840.113549.1.1.5': ['sha1WithRSAEncryption', { kind: 'rsa-pkcs1', hash: 'sha1' }],
  '1.2.840.113549.1.1.14': ['sha224WithRSAEncryption', { kind: 'rsa-pkcs1', hash: 'sha224' }],
  '1.2.840.113549.1.1.11': ['sha256WithRSAEncryption', { kind: 'rsa-pkcs1', hash: 'sha256' }],
  '1.2.840.113549.1.1.12': ['sha384WithRSAEncryption', { kind: 'rsa-pkcs1', hash: 'sha384' }],
  '1.2.840.113549.1.1.13': ['sha512WithRSAEncryption', { kind: 'rsa-pkcs1', hash: 'sha512' }],
  '1.2.840.10045.4.1': ['ecdsa-with-SHA1', { kind: 'ecdsa', hash: 'sha1' }],
  '1.2.840.10045.4.3.1': ['ecdsa-with-SHA224', { kind: 'ecdsa', hash: 'sha224' }],
  '1.2.840.10045.4.3.2': ['ecdsa-with-SHA256', { kind: 'ecdsa', hash: 'sha256' }],
  '1.2.840.10045.4.3.3': ['ecdsa-with-SHA384', { kind: 'ecdsa', hash: 'sha384' }],
  '1.2.840.10045.4.3.4': ['ecdsa-with-SHA512', { kind: 'ecdsa', hash: 'sha512' }],
  '1.3.101.112': ['Ed25519', { kind: 'ed25519' }],
};
const RSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';

export function parseSignatureAlgorithm(node: Node): SignatureAlgorithm {
  const [algNode, params] = seq(node, 'AlgorithmIdentifier');
  const o = oid(algNode, 'signature algorithm');
  const known = SIG_OIDS[o];
  if (known) {
    // RSA PKCS#1 carries NULL parameters; ECDSA and Ed25519 carry none (RFC 5758, RFC 8410).
    const isRsa = known[1].kind === 'rsa-pkcs1';
    const okParams = isRsa ? params === undefined || isTag(params, UNIVERSAL, 5) : params === undefined;
    if (!okParams) return { supported: false, oid: o, name: `${known[0]} with unexpected parameters` };
    return { supported: true, alg: known[1], oid: o, name: known[0] };
  }
  if (o === RSA_PSS) return parsePss(params, o);
  return { supported: false, oid: o, name: o };
}

/** RSASSA-PSS-params (RFC 4055 §3.1): the MGF1 hash must match and the trailer field must be 1. */
function parsePss(params: Node | undefined, o: string): SignatureAlgorithm {
  const fields = seq(params, 'RSASSA-PSS-params');
  let hash: HashName = 'sha1';
  let mgfHash: HashName = 'sha1';
  let salt = 20;
  for (const f of fields) {
    const inner = children(f, 'PSS field')[0];
    if (isTag(f, CONTEXT, 0)) {
      const h = HASH_OIDS[oid(seq(inner, 'hashAlgorithm')[0], 'hash')];
      if (!h) return { supported: false, oid: o, name: 'RSASSA-PSS with unknown hash' };
      hash = h;
    } else if (isTag(f, CONTEXT, 1)) {
      const [mgfOid, mgfParams] = seq(inner, 'maskGenAlgorithm');
      if (oid(mgfOid, 'mgf') !== MGF1) return { supported: false, oid: o, name: 'RSASSA-PSS with unknown MGF' };
      const h = HASH_OIDS[oid(seq(mgfParams, 'MGF1 hash')[0], 'MGF1 hash')];
      if (!h) return { supported: false, oid: o, name: 'RSASSA-PSS with unknown MGF1 hash' };
      mgfHash = h;
    } else if (isTag(f, CONTEXT, 2)) {
      salt = smallInt(inner, 'saltLength');
    } else if (isTag(f, CONTEXT, 3)) {
      if (smallInt(inner, 'trailerField') !== 1) return { supported: false, oid: o, name: 'RSASSA-PSS with bad trailer' };
    } else throw malformed('unexpected field in RSASSA-PSS-params');
  }
  if (mgfHash !== hash) return { supported: false, oid: o, name: 'RSASSA-PSS with mismatched MGF1 hash' };
  return { supported: true, alg: { kind: 'rsa-pss', hash, saltLength: salt }, oid: o, name: `RSASSA-PSS-${hash}` };
}

export function parseName(node: Node): Name {
  const rdns: Attribute[][] = [];
  for (const set of seq(node, 'Name')) {
    if (!isTag(set, UNIVERSAL, 17)) throw malformed('RDN is not a SET');
    const attrs = children(set, 'RDN').map((atv) => {
      const [t, v] = seq(atv, 'AttributeTypeAndValue');
      const o = oid(t, 'attribute type');
      if (!v) throw malformed('attribute without value');
      return { oid: o, shortName: ATTRIBUTE_NAMES[o] ?? o, value: stringValue(v) };
    });
    if (attrs.length === 0) throw malformed('empty RDN');
    rdns.push(attrs);
  }
  return { rdns, der: encoded(node) };
}

const ia5 = new TextDecoder('latin1');
function ia5String(b: Uint8Array, what: string): string {
  for (const x of b) if (x > 0x7f) throw malformed(`${what} is not IA5`);
  return ia5.decode(b);
}

export function parseGeneralName(n: Node): GeneralName {
  if (tagClass(n) !== CONTEXT) throw malformed('GeneralName is not context-tagged');
  switch (tagNumber(n)) {
    case 1: return { kind: 'email', value: ia5String(contentBytes(n), 'rfc822Name') };
    case 2: return { kind: 'DNS', value: ia5String(contentBytes(n), 'dNSName') };
    case 6: return { kind: 'URI', value: ia5String(contentBytes(n), 'URI') };
    case 7: return { kind: 'IP', bytes: contentBytes(n) };
    case 4: {
      const inner = children(n, 'directoryName');
      if (inner.length !== 1) throw malformed('directoryName');
      return { kind: 'dirName', name: parseName(inner[0]!) };
    }
    default: return { kind: 'other', tag: tagNumber(n), der: encoded(n) };
  }
}

function generalNames(n: Node, what: string): GeneralName[] {
  return seq(n, what).map(parseGeneralName);
}

function parseSubtrees(n: Node): GeneralName[] {
  return children(n, 'GeneralSubtrees').map((st) => {
    const [base, ...rest] = seq(st, 'GeneralSubtree');
    // minimum must be 0 and maximum absent (RFC 5280 §4.2.1.10); anything else we cannot honour.
    for (const r of rest) {
      if (isTag(r, CONTEXT, 0) && contentBytes(r).every((x) => x === 0)) continue;
      throw malformed('name constraint with minimum/maximum');
    }
    if (!base) throw malformed('empty GeneralSubtree');
    return parseGeneralName(base);
  });
}

const OID = {
  basicConstraints: '2.5.29.19', keyUsage: '2.5.29.15', extKeyUsage: '2.5.29.37', subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30', aki: '2.5.29.35', ski: '2.5.29.14', crlDp: '2.5.29.31', policies: '2.5.29.32',
  aia: '1.3.6.1.5.5.7.1.1', policyConstraints: '2.5.29.36', issuerAltName: '2.5.29.18',
};

function parseExtensions(node: Node | undefined): Extensions {
  const ext: Extensions = { unknownCritical: [] };
  if (!node) return ext;
  const seen = new Set<string>();
  const list = seq(children(node, 'extensions')[0], 'Extensions');
  if (list.length === 0) throw malformed('empty extensions');
  for (const e of list) {
    const f = seq(e, 'Extension');
    const o = oid(f[0], 'extnID');
    if (seen.has(o)) throw malformed(`duplicate extension ${o}`);
    seen.add(o);
    let critical = false;
    let i = 1;
    if (f.length === 3) {
      critical = bool(f[1], 'critical');
      if (!critical) throw malformed('critical=FALSE must be omitted in DER');
      i = 2;
    } else if (f.length !== 2) throw malformed('Extension');
    const value = parseDer(octets(f[i], 'extnValue'), `extension ${o}`, true);
    switch (o) {
      case OID.basicConstraints: {
        const b = seq(value, 'basicConstraints');
        let k = 0;
        let ca = false;
        if (b[k] && isTag(b[k], UNIVERSAL, 1)) ca = bool(b[k++], 'cA');
        let pathLen: number | undefined;
        if (b[k]) pathLen = smallInt(b[k++], 'pathLenConstraint');
        if (k !== b.length) throw malformed('basicConstraints');
        ext.basicConstraints = { ca, critical, ...(pathLen !== undefined ? { pathLen } : {}) };
        break;
      }
      case OID.keyUsage: {
        const { bytes, unused } = bitString(value, 'keyUsage');
        const set = new Set<string>();
        for (let bit = 0; bit < bytes.length * 8 - unused; bit++) {
          if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) set.add(KEY_USAGE_BITS[bit] ?? `bit${bit}`);
        }
        if (set.size === 0) throw malformed('keyUsage with no bits set');
        ext.keyUsage = set;
        break;
      }
      case OID.extKeyUsage: {
        const oids = seq(value, 'extKeyUsage').map((x) => oid(x, 'KeyPurposeId'));
        if (oids.length === 0) throw malformed('empty extKeyUsage');
        ext.extKeyUsage = { oids, critical };
        break;
      }
      case OID.subjectAltName: {
        const names = generalNames(value, 'subjectAltName');
        if (names.length === 0) throw malformed('empty subjectAltName');
        ext.subjectAltName = { names, critical };
        break;
      }
      case OID.nameConstraints: {
        const nc: Extensions['nameConstraints'] = { critical };
        for (const part of seq(value, 'nameConstraints')) {
          if (isTag(part, CONTEXT, 0)) nc.permitted = parseSubtrees(part);
          else if (isTag(part, CONTEXT, 1)) nc.excluded = parseSubtrees(part);
          else throw malformed('nameConstraints');
        }
        if (!nc.permitted?.length && !nc.excluded?.length) throw malformed('nameConstraints with no subtrees');
        ext.nameConstraints = nc;
        break;
      }
      case OID.aki: {
        const a: NonNullable<Extensions['authorityKeyIdentifier']> = { hasIssuerAndSerial: false };
        for (const part of seq(value, 'authorityKeyIdentifier')) {
          if (isTag(part, CONTEXT, 0)) a.keyId = contentBytes(part);
          else if (isTag(part, CONTEXT, 1) || isTag(part, CONTEXT, 2)) a.hasIssuerAndSerial = true;
          else throw malformed('authorityKeyIdentifier');
        }
        if (critical) throw malformed('authorityKeyIdentifier must not be critical');
        ext.authorityKeyIdentifier = a;
        break;
      }
      case OID.ski:
        if (critical) throw malformed('subjectKeyIdentifier must not be critical');
        ext.subjectKeyIdentifier = octets(value, 'subjectKeyIdentifier');
        break;
      case OID.crlDp: {
        const uris: string[] = [];
        for (const dp of seq(value, 'cRLDistributionPoints')) {
          const dpn = seq(dp, 'DistributionPoint').find((x) => isTag(x, CONTEXT, 0));
          const full = dpn && children(dpn, 'distributionPoint')[0];
          if (full && isTag(full, CONTEXT, 0)) {
            for (const gn of children(full, 'fullName').map(parseGeneralName)) if (gn.kind === 'URI') uris.push(gn.value);
          }
        }
        ext.crlDistributionPoints = uris;
        break;
      }
      case OID.aia: {
        if (critical) throw malformed('authorityInfoAccess must not be critical');
        const aia = { ocsp: [] as string[], caIssuers: [] as string[] };
        for (const ad of seq(value, 'authorityInfoAccess')) {
          const [m, loc] = seq(ad, 'AccessDescription');
          const method = oid(m, 'accessMethod');
          if (!loc) throw malformed('AccessDescription');
          const gn = parseGeneralName(loc);
          if (gn.kind !== 'URI') continue;
          if (method === '1.3.6.1.5.5.7.48.1') aia.ocsp.push(gn.value);
          else if (method === '1.3.6.1.5.5.7.48.2') aia.caIssuers.push(gn.value);
        }
        ext.authorityInfoAccess = aia;
        break;
      }
      case OID.policies:
        ext.certificatePolicies = seq(value, 'certificatePolicies').map((p) => oid(seq(p, 'PolicyInformation')[0], 'policy'));
        break;
      case OID.policyConstraints:
        // We do not process policies; RFC 5280 §4.2.1.11 requires this extension to be critical.
        if (!critical) throw malformed('policyConstraints must be critical');
        ext.unknownCritical.push(o);
        break;
      default:
        if (critical) ext.unknownCritical.push(o);
    }
  }
  return ext;
}

/**
 * Recently parsed certificates by DER. The same server chain arrives on every connect and the same
 * roots are loaded for every verification; parsing with asn1js is a fifth of a full handshake. A parse
 * depends on nothing but the bytes, so a hit is exact; callers treat a Certificate as read-only.
 */
const parsed = new Map<string, Certificate>();
const PARSE_CACHE_SIZE = 256;

/** The DER as a string, one char per byte: an exact Map key, cheap next to a parse. */
function derKey(der: Uint8Array): string {
  let s = '';
  for (let i = 0; i < der.length; i += 4096) s += String.fromCharCode.apply(null, der.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

/**
 * The certificate's public key, parsed once with the certificate: the same object on every connection that sees
 * this certificate, so a provider's imported key object (cached per key) is made once too. A key that did not
 * parse is parsed again here, to throw exactly what parseSpki throws.
 */
export function certificatePublicKey(c: Certificate): PublicKey {
  return 'error' in c.publicKey ? parseSpki(c.spkiDer) : c.publicKey;
}

/** Parse one DER certificate. Throws TlsError cert_malformed. */
export function parseCertificate(der: Uint8Array): Certificate {
  const key = derKey(der);
  const hit = parsed.get(key);
  if (hit) {
    parsed.delete(key); // re-insert: Map order is the LRU order
    parsed.set(key, hit);
    return hit;
  }
  let cert: Certificate;
  try {
    // A private copy: the caller's buffer may be a view into a record buffer that is reused later.
    cert = parseCertificateInner(der.slice());
  } catch (e) {
    if (e instanceof TlsError) throw e;
    throw malformed(e instanceof Error ? e.message : String(e));
  }
  if (parsed.size >= PARSE_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
  parsed.set(key, cert);
  return cert;
}

function parseCertificateInner(der: Uint8Array): Certificate {
  const root = parseDer(der, 'certificate', true);
  const [tbs, sigAlgNode, sigNode, ...extra] = seq(root, 'Certificate');
  if (!tbs || !sigAlgNode || !sigNode || extra.length) throw malformed('Certificate must have three fields');
  const t = seq(tbs, 'TBSCertificate');
  let k = 0;
  let version: 1 | 2 | 3 = 1;
  if (isTag(t[0], CONTEXT, 0)) {
    const v = smallInt(children(t[k++]!, 'version')[0], 'version');
    if (v !== 1 && v !== 2) throw malformed(`unsupported version ${v + 1}`);
    version = (v + 1) as 2 | 3;
  }
  const serialBytes = integerBytes(t[k++], 'serialNumber');
  const innerSigAlg = t[k++]!;
  const issuer = parseName(t[k++]!);
  const validity = seq(t[k++], 'Validity');
  if (validity.length !== 2) throw malformed('Validity');
  const notBefore = time(validity[0], 'notBefore');
  const notAfter = time(validity[1], 'notAfter');
  const encodedAsUtc = (n: Node | undefined, d: Date) => isTag(n, UNIVERSAL, 23) === (d.getUTCFullYear() < 2050);
  const subject = parseName(t[k++]!);
  const spkiNode = t[k++];
  seq(spkiNode, 'SubjectPublicKeyInfo');
  const spkiDer = encoded(spkiNode!);
  let extNode: Node | undefined;
  for (; k < t.length; k++) {
    const n = t[k]!;
    if (isTag(n, CONTEXT, 1) || isTag(n, CONTEXT, 2)) {
      if (version < 2) throw malformed('unique identifiers in a v1 certificate');
    } else if (isTag(n, CONTEXT, 3)) {
      if (version !== 3) throw malformed('extensions in a certificate older than v3');
      extNode = n;
    } else throw malformed('unexpected field in TBSCertificate');
  }
  const sig = bitString(sigNode, 'signature');
  if (sig.unused !== 0) throw malformed('signature has unused bits');
  let publicKey: Certificate['publicKey'];
  try {
    publicKey = parseSpki(spkiDer);
  } catch (e) {
    publicKey = { error: e instanceof TlsError ? e : new TlsError('cert_unsupported_key', String(e)) };
  }
  let serialHex = hex(serialBytes).toUpperCase();
  if (serialHex.length > 2 && serialHex.startsWith('00')) serialHex = serialHex.slice(2);
  return {
    der,
    tbsDer: encoded(tbs),
    version,
    serialNumber: serialHex,
    serialBytes,
    signatureAlgorithm: parseSignatureAlgorithm(sigAlgNode),
    signature: sig.bytes,
    issuer,
    subject,
    notBefore,
    notAfter,
    spkiDer,
    publicKey,
    extensions: parseExtensions(extNode),
    signatureAlgorithmsMatch: bytesEqual(encoded(innerSigAlg), encoded(sigAlgNode)),
    validityEncodingOk: encodedAsUtc(validity[0], notBefore) && encodedAsUtc(validity[1], notAfter),
    spkiAlgorithmDer: encoded(seq(spkiNode, 'SubjectPublicKeyInfo')[0]!),
    signatureAlgorithmDer: encoded(sigAlgNode),
  };
}

/**
 * Every certificate in the inputs: PEM bundles (CRLF or LF, text between blocks), DER bytes, or file-like objects.
 * PEM blocks with other labels (keys, CRLs) are ignored.
 */
export function loadCertificates(input: PemInput | PemInput[]): Certificate[] {
  return derBlobs(input, ['CERTIFICATE', 'X509 CERTIFICATE']).map((b) => parseCertificate(b.der));
}

export function isSelfIssued(c: Certificate): boolean {
  return bytesEqual(c.issuer.der, c.subject.der);
}

export function commonNames(name: Name): string[] {
  return name.rdns.flat().filter((a) => a.oid === '2.5.4.3').map((a) => a.value);
}

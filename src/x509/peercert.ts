/** The certificate dictionary Python's SSLSocket.getpeercert() returns, built from a parsed Certificate. */
import type { Certificate, Name } from './certificate.js';
import { formatIp } from '../hostname/index.js';
import { hash } from '../crypto/hash.js';
import type { HashName } from '../crypto/types.js';

export type PeerRdn = [string, string][];
export interface PeerCertificate {
  subject: PeerRdn[];
  issuer: PeerRdn[];
  version: number;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  subjectAltName?: [string, string | PeerRdn[]][];
  OCSP?: string[];
  caIssuers?: string[];
  crlDistributionPoints?: string[];

  // Node's tls shape (getPeerCertificate(true)), beside Python's. These are not enumerable, so the object still
  // equals (and JSON-serialises as) the dict Python's getpeercert() returns; read them by name.
  /** The certificate, DER. */
  readonly raw: Uint8Array;
  /** SHA-1 of the DER, 'AB:CD:..' in uppercase hex, as Node's. */
  readonly fingerprint: string;
  /** SHA-256 of the DER, 'AB:CD:..' in uppercase hex, as Node's. */
  readonly fingerprint256: string;
  /** SHA-512 of the DER, 'AB:CD:..' in uppercase hex, as Node's. */
  readonly fingerprint512: string;
  /** The SubjectPublicKeyInfo, DER (Node's `pubkey`): what public-key pinning hashes. */
  readonly pubkey: Uint8Array;
  /** Node's string form of the subjectAltName: 'DNS:a.example, DNS:b.example, IP Address:10.0.0.1'. */
  readonly subjectaltname?: string;
  /** Node's names for notBefore / notAfter (the same text). */
  readonly valid_from: string;
  readonly valid_to: string;
  /**
   * The certificate that issued this one, among those the peer sent (matched by name); undefined for the last one
   * and for a self-issued one (Node points a root at itself; this object stays free of cycles).
   */
  readonly issuerCertificate?: PeerCertificate;
}

/** 'AB:CD:..' as Node prints fingerprints. */
export function colonHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/**
 * The hash RFC 5929 §4.1 names for tls-server-end-point: the certificate signature's hash, SHA-256 when that is
 * MD5 or SHA-1; for Ed25519, which has no separate hash, SHA-512 (as OpenSSL's X509_digest_sig).
 */
export function endPointHash(cert: Certificate): HashName {
  const sa = cert.signatureAlgorithm;
  if (!sa.supported) throw new Error(`tls-server-end-point: unsupported certificate signature algorithm ${sa.name}`);
  const alg = sa.alg;
  const h = alg.kind === 'ed25519' ? 'sha512' : alg.hash;
  return h === 'md5' || h === 'sha1' || h === 'md5sha1' ? 'sha256' : h;
}

/** OpenSSL's long attribute names, which Python reports. */
const PYTHON_NAMES: Record<string, string> = {
  '2.5.4.3': 'commonName', '2.5.4.6': 'countryName', '2.5.4.7': 'localityName', '2.5.4.8': 'stateOrProvinceName',
  '2.5.4.10': 'organizationName', '2.5.4.11': 'organizationalUnitName', '2.5.4.5': 'serialNumber',
  '2.5.4.9': 'streetAddress', '2.5.4.4': 'surname', '2.5.4.42': 'givenName', '2.5.4.12': 'title',
  '2.5.4.17': 'postalCode', '2.5.4.15': 'businessCategory', '2.5.4.46': 'dnQualifier', '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier', '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'domainComponent', '0.9.2342.19200300.100.1.1': 'userId',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionCountryName', '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionStateOrProvinceName',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionLocalityName',
};

function pyName(n: Name): PeerRdn[] {
  return n.rdns.map((rdn) => rdn.map((a): [string, string] => [PYTHON_NAMES[a.oid] ?? a.oid, a.value]));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** OpenSSL's ASN1_TIME_print form: 'Jan  5 09:34:43 2018 GMT' (day padded with a space). */
export function opensslTime(d: Date): string {
  const p = (x: number) => String(x).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`;
}

/** The Python-shaped part, which toPeerCertificate() completes with the Node-shaped one. */
type PythonShape = Omit<PeerCertificate, 'raw' | 'fingerprint' | 'fingerprint256' | 'fingerprint512' | 'pubkey' | 'subjectaltname' | 'valid_from' | 'valid_to' | 'issuerCertificate'>;

export function toPeerCertificate(cert: Certificate): PeerCertificate {
  const out: PythonShape = {
    subject: pyName(cert.subject),
    issuer: pyName(cert.issuer),
    version: cert.version,
    serialNumber: cert.serialNumber,
    notBefore: opensslTime(cert.notBefore),
    notAfter: opensslTime(cert.notAfter),
  };
  const ext = cert.extensions;
  if (ext.subjectAltName) {
    out.subjectAltName = ext.subjectAltName.names.map((g): [string, string | PeerRdn[]] => {
      switch (g.kind) {
        case 'DNS': return ['DNS', g.value];
        case 'IP': return ['IP Address', formatIp(g.bytes)];
        case 'email': return ['email', g.value];
        case 'URI': return ['URI', g.value];
        case 'dirName': return ['DirName', pyName(g.name)];
        default: return g.tag === 0 ? ['othername', '<unsupported>'] : ['Registered ID', '<unsupported>'];
      }
    });
  }
  if (ext.authorityInfoAccess?.ocsp.length) out.OCSP = ext.authorityInfoAccess.ocsp;
  if (ext.authorityInfoAccess?.caIssuers.length) out.caIssuers = ext.authorityInfoAccess.caIssuers;
  if (ext.crlDistributionPoints?.length) out.crlDistributionPoints = ext.crlDistributionPoints;
  const lazy = (get: () => unknown) => {
    let v: unknown;
    let done = false;
    return { get: () => (done ? v : ((done = true), (v = get()))), enumerable: false, configurable: true };
  };
  const altnames = out.subjectAltName
    ?.filter(([k]) => k !== 'DirName')
    .map(([k, v]) => `${k}:${typeof v === 'string' ? v : ''}`)
    .join(', ');
  Object.defineProperties(out, {
    raw: lazy(() => cert.der.slice()),
    fingerprint: lazy(() => colonHex(hash('sha1', cert.der))),
    fingerprint256: lazy(() => colonHex(hash('sha256', cert.der))),
    fingerprint512: lazy(() => colonHex(hash('sha512', cert.der))),
    pubkey: lazy(() => cert.spkiDer.slice()),
    ...(altnames !== undefined ? { subjectaltname: { value: altnames, enumerable: false } } : {}),
    valid_from: { value: out.notBefore, enumerable: false },
    valid_to: { value: out.notAfter, enumerable: false },
  });
  return out as PeerCertificate;
}

/** The certificate dictionary Python's SSLSocket.getpeercert() returns, built from a parsed Certificate. */
import type { Certificate, Name } from './certificate.js';
import { formatIp } from '../hostname/index.js';

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

export function toPeerCertificate(cert: Certificate): PeerCertificate {
  const out: PeerCertificate = {
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
  return out;
}

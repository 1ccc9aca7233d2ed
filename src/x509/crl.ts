/** Certificate revocation lists (RFC 5280 §5), parsed to the few fields revocation checking needs. */
import { TlsError } from '../errors.js';
import { type Name, type SignatureAlgorithm, parseName, parseSignatureAlgorithm } from './certificate.js';
import { parseDer, seq, isTag, children, encoded, oid, integerBytes, bitString, octets, bool, time, malformed, UNIVERSAL, CONTEXT } from './asn1.js';

export interface Crl {
  tbsDer: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  signature: Uint8Array;
  issuer: Name;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serial numbers (INTEGER content bytes, as in Certificate.serialBytes). */
  revoked: Uint8Array[];
  crlNumber?: Uint8Array;
  unknownCritical: string[];
}

const CRL_NUMBER = '2.5.29.20';
const AKI = '2.5.29.35';

export function parseCrl(der: Uint8Array): Crl {
  try {
    return parseCrlInner(der);
  } catch (e) {
    if (e instanceof TlsError) throw e;
    throw malformed(`CRL: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseCrlInner(der: Uint8Array): Crl {
  const [tbs, sigAlg, sigNode, ...extra] = seq(parseDer(der, 'CRL'), 'CertificateList');
  if (!tbs || !sigAlg || !sigNode || extra.length) throw malformed('CertificateList');
  const t = seq(tbs, 'TBSCertList');
  let k = 0;
  if (isTag(t[k], UNIVERSAL, 2)) k++;
  k++; // inner signature AlgorithmIdentifier
  const issuer = parseName(t[k++]!);
  const thisUpdate = time(t[k++], 'thisUpdate');
  let nextUpdate: Date | undefined;
  if (isTag(t[k], UNIVERSAL, 23) || isTag(t[k], UNIVERSAL, 24)) nextUpdate = time(t[k++], 'nextUpdate');
  const revoked: Uint8Array[] = [];
  if (isTag(t[k], UNIVERSAL, 16)) {
    for (const entry of seq(t[k++], 'revokedCertificates')) revoked.push(integerBytes(seq(entry, 'revoked entry')[0], 'userCertificate'));
  }
  const crl: Crl = {
    tbsDer: encoded(tbs), signatureAlgorithm: parseSignatureAlgorithm(sigAlg), signature: bitString(sigNode, 'signature').bytes,
    issuer, thisUpdate, revoked, unknownCritical: [], ...(nextUpdate ? { nextUpdate } : {}),
  };
  if (isTag(t[k], CONTEXT, 0)) {
    for (const e of seq(children(t[k++]!, 'crlExtensions')[0], 'Extensions')) {
      const f = seq(e, 'Extension');
      const o = oid(f[0], 'extnID');
      const critical = f.length === 3 && bool(f[1], 'critical');
      const value = octets(f[f.length - 1], 'extnValue');
      if (o === CRL_NUMBER) {
        // RFC 5280 §5.2.3: the CRL number is mandatory and non-critical.
        if (critical) crl.unknownCritical.push(o);
        crl.crlNumber = integerBytes(parseDer(value, 'cRLNumber'), 'cRLNumber');
      } else if (o !== AKI && critical) crl.unknownCritical.push(o);
    }
  }
  if (k !== t.length) throw malformed('unexpected field in TBSCertList');
  return crl;
}

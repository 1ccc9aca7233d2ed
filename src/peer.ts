/** The peer certificate in the shape of Python's getpeercert(). */
import { parseCertificate } from './x509/certificate.js';
import { toPeerCertificate, type PeerCertificate } from './x509/peercert.js';

export function peerCertificateFromDer(der: Uint8Array): PeerCertificate {
  return toPeerCertificate(parseCertificate(der));
}

/** The peer certificate in the shape of Python's getpeercert(). */
import { parseCertificate, type Certificate } from './x509/certificate.js';
import { equalBytes } from './bytes.js';
import { toPeerCertificate, type PeerCertificate } from './x509/peercert.js';

export function peerCertificateFromDer(der: Uint8Array): PeerCertificate {
  return toPeerCertificate(parseCertificate(der));
}

/**
 * The leaf of a chain as received, with `issuerCertificate` linking each certificate to the one (among those sent)
 * whose subject is its issuer, as Node's getPeerCertificate(true). Certificates that do not parse end the links.
 */
export function peerCertificateWithIssuers(chain: Uint8Array[]): PeerCertificate | undefined {
  const [leafDer, ...rest] = chain;
  if (!leafDer) return undefined;
  const leaf = parseCertificate(leafDer);
  const pool: Certificate[] = [];
  for (const der of rest) {
    try {
      pool.push(parseCertificate(der));
    } catch {
      // not usable as an issuer
    }
  }
  const top = toPeerCertificate(leaf);
  let cur = leaf;
  let node = top;
  const used = new Set<Certificate>([leaf]);
  for (;;) {
    if (equalBytes(cur.issuer.der, cur.subject.der)) break;
    const issuer = pool.find((c) => !used.has(c) && equalBytes(c.subject.der, cur.issuer.der));
    if (!issuer) break;
    used.add(issuer);
    const next = toPeerCertificate(issuer);
    Object.defineProperty(node, 'issuerCertificate', { value: next, enumerable: false });
    node = next;
    cur = issuer;
  }
  return top;
}

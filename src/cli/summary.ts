/** The human-readable connection summary `puretls connect` prints (and `serve` logs): like s_client's, shorter. */
import type { TlsConnection } from '../connection.js';
import { peerCertificateFromDer } from '../peer.js';
import { toPem } from '../pem.js';
import { suiteByName } from '../crypto/suites.js';
import type { PeerCertificate, PeerRdn } from '../x509/peercert.js';
import { printable } from './escape.js';

const SHORT: Record<string, string> = { commonName: 'CN', organizationName: 'O', organizationalUnitName: 'OU', countryName: 'C', localityName: 'L', stateOrProvinceName: 'ST' };

export function dn(name: PeerRdn[]): string {
  return name.map((rdn) => rdn.map(([k, v]) => `${SHORT[k] ?? printable(k)}=${printable(v)}`).join('+')).join(', ');
}

function san(c: PeerCertificate): string {
  return (c.subjectAltName ?? []).map(([k, v]) => `${k === 'IP Address' ? 'IP' : printable(k)}:${typeof v === 'string' ? printable(v) : dn(v)}`).join(', ');
}

/** One block per certificate: subject, issuer, validity, names. */
export function chainLines(chain: Uint8Array[], showPem: boolean): string[] {
  const out: string[] = [];
  chain.forEach((der, i) => {
    let c: PeerCertificate | undefined;
    try {
      c = peerCertificateFromDer(der);
    } catch (e) {
      out.push(`  ${i} (does not parse: ${printable((e as Error).message)})`);
    }
    if (c) {
      out.push(`  ${i} s: ${dn(c.subject)}`, `    i: ${dn(c.issuer)}`, `    valid: ${printable(c.notBefore)} → ${printable(c.notAfter)}`);
      const names = san(c);
      if (names) out.push(`    names: ${names}`);
    }
    if (showPem) out.push(...toPem('CERTIFICATE', der).trimEnd().split('\n'));
  });
  return out;
}

export function connectionSummary(conn: TlsConnection, o: { target: string; showCerts: boolean; insecure: boolean }): string {
  const suite = suiteByName(conn.cipherSuite);
  const chain = conn.peerCertificateChain();
  const v = conn.verification;
  const lines = [
    `Connected to ${printable(o.target)}`,
    `  Protocol : ${conn.version}`,
    `  Cipher   : ${conn.cipherSuite}${suite ? ` (${suite.openssl})` : ''}`,
    `  ALPN     : ${conn.alpnProtocol !== undefined ? printable(conn.alpnProtocol) : '(none)'}`,
    `  Resumed  : ${conn.resumed ? 'yes' : 'no'}`,
    `Certificate chain (${chain.length}, as sent):`,
    ...chainLines(chain, o.showCerts),
    v.ok
      ? 'Verification: OK'
      : v.code === 'not_verified'
        ? 'Verification: SKIPPED (--insecure)'
        : `Verification: FAILED ${v.code}: ${printable(v.message)}${o.insecure ? ' (continuing because of --insecure)' : ''}`,
    '---',
  ];
  return lines.join('\n') + '\n';
}

/**
 * Peer identity matching (RFC 6125, with the CA/B Forum and webpki restrictions on wildcards):
 * DNS names against dNSName SANs, IP literals against iPAddress SANs only, emails against rfc822Name SANs.
 */
import { CertificateError } from '../errors.js';
import { equalBytes } from '../bytes.js';
import type { Certificate } from '../x509/certificate.js';
import { commonNames } from '../x509/certificate.js';
import type { PeerCertificate } from '../x509/peercert.js';
import { toAscii } from './punycode.js';
import { getPublicSuffix } from 'tldts';

export { toAscii, punycodeEncode } from './punycode.js';

export type PeerName = { kind: 'DNS' | 'IP' | 'RFC822'; value: string };

/** Dotted-quad IPv4 in strict decimal form (no hex, octal or shortened forms). */
export function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

/** IPv6 text (RFC 4291 §2.2, with optional embedded IPv4 and no zone) to 16 bytes. */
export function parseIPv6(s: string): Uint8Array | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  let text = s;
  if (s.includes('.')) {
    // Embedded IPv4 (::ffff:1.2.3.4): rewrite its last 32 bits as two hex groups.
    const lastColon = s.lastIndexOf(':');
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16);
    const lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    text = `${s.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const group = (h: string) => (h === '' ? [] : h.split(':'));
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  const words: number[] = [];
  for (const g of [...head, ...rest]) if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  words.push(...head.map((g) => parseInt(g, 16)));
  for (let i = total; i < 8; i++) words.push(0);
  words.push(...rest.map((g) => parseInt(g, 16)));
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** An IP literal (IPv4, IPv6, or [IPv6]) as bytes, or null when the text is not one. */
export function parseIp(s: string): Uint8Array | null {
  const t = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  return parseIPv4(t) ?? (t.includes(':') ? parseIPv6(t) : null);
}

/** RFC 5952 canonical text: lowercase, leading zeros dropped, the longest run (>1) of zero groups as '::'. */
export function formatIpv6Canonical(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hexes = g.map((x) => x.toString(16));
  if (best < 0) return hexes.join(':');
  return hexes.slice(0, best).join(':') + '::' + hexes.slice(best + bestLen).join(':');
}

/** Text form of IP bytes: dotted quad, or RFC 5952-ish IPv6 as Python prints it (uppercase hex groups, no compression). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) {
    const g: string[] = [];
    for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16).toUpperCase());
    return g.join(':');
  }
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A presented or reference DNS name in canonical form (lowercase A-labels, no trailing dot), or null if invalid. */
export function canonicalDnsName(name: string, allowWildcard: boolean): string | null {
  let n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0 || n.length > 253) return null;
  n = /^[\x00-\x7f]*$/.test(n) ? n.toLowerCase() : toAscii(n);
  // Checked again: A-labels are longer than the Unicode they encode (the first check keeps toAscii cheap).
  if (n.length > 253) return null;
  const labels = n.split('.');
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (allowWildcard && i === 0 && l === '*') continue;
    if (!LABEL.test(l)) return null;
  }
  return n;
}

/**
 * Whether `name` (canonical, no wildcard) is a public suffix in the ICANN section of the Public Suffix List, as CA/B
 * BR §3.2.2.6 asks (the PRIVATE section is not consulted). tldts ships the list and is refreshed with it; a TLD that
 * the list does not know is treated as a suffix (its "*" default rule), so '*.internal' covers no registrable domain.
 */
export function isPublicSuffix(name: string): boolean {
  if (!name.includes('.')) return true;
  return getPublicSuffix(name, { allowPrivateDomains: false, validateHostname: false }) === name;
}

/**
 * Does the presented DNS name (from a SAN or CN) cover the reference name? A wildcard is only the whole leftmost
 * label, needs at least two labels after it, and stands for exactly one label (RFC 9525 §6.3, RFC 6125 §6.4.3).
 * A wildcard directly above a public suffix ('*.co.uk') is refused unless `publicSuffixWildcards: true` (the rfc5280
 * profile, as OpenSSL and Go, which consult no suffix list).
 */
export function dnsNameMatches(presented: string, reference: string, opts: { publicSuffixWildcards?: boolean } = {}): boolean {
  const p = canonicalDnsName(presented, true);
  const r = canonicalDnsName(reference, false);
  if (!p || !r) return false;
  if (!p.startsWith('*.')) return p === r;
  const suffix = p.slice(2);
  if (!suffix.includes('.')) return false;
  if (opts.publicSuffixWildcards !== true && isPublicSuffix(suffix)) return false;
  const dot = r.indexOf('.');
  return dot > 0 && r.slice(dot + 1) === suffix;
}

/** rfc822Name comparison: local part exact, domain case-insensitive. */
function emailMatches(presented: string, reference: string): boolean {
  const a = presented.lastIndexOf('@');
  const b = reference.lastIndexOf('@');
  if (a <= 0 || b <= 0) return false;
  return presented.slice(0, a) === reference.slice(0, b) && presented.slice(a + 1).toLowerCase() === reference.slice(b + 1).toLowerCase();
}

/**
 * Whether the certificate is valid for the name. SANs only, like webpki and browsers; `commonNameFallback`
 * consults the subject CN when there is no SAN extension at all (Python's match_hostname behaviour).
 */
export function matchesPeerName(cert: Certificate, name: PeerName,
  opts: { commonNameFallback?: boolean; publicSuffixWildcards?: boolean } = {}): boolean {
  const dnsOpts = { publicSuffixWildcards: !!opts.publicSuffixWildcards };
  const sans = cert.extensions.subjectAltName?.names;
  if (name.kind === 'IP') {
    const ip = parseIp(name.value);
    return !!ip && !!sans?.some((g) => g.kind === 'IP' && equalBytes(g.bytes, ip));
  }
  if (name.kind === 'RFC822') return !!sans?.some((g) => g.kind === 'email' && emailMatches(g.value, name.value));
  if (!sans) return !!opts.commonNameFallback && commonNames(cert.subject).some((cn) => dnsNameMatches(cn, name.value, dnsOpts));
  return sans.some((g) => g.kind === 'DNS' && dnsNameMatches(g.value, name.value, dnsOpts));
}

/** A name with an internationalized label: a U-label (non-ASCII) or an A-label ('xn--'). */
function isIdn(name: string): boolean {
  return /[^\x00-\x7f]/.test(name) || name.split('.').some((l) => /^xn--/i.test(l));
}

/**
 * CA/B BR §7.1.4.3 (subject commonName of a subscriber certificate): the CN must be "one of the values contained in
 * the Certificate's subjectAltName extension", an IP address "in its canonical text form" and a domain name "a
 * character-for-character copy of the dNSName entry". Enforced where a stale CN can mislead a reader or a CN-based
 * client: an address-like CN must be in canonical text (dotted decimal, RFC 5952), and an internationalized CN must
 * copy a dNSName byte for byte (no U-label for an A-label, no homograph). An ASCII host name or address CN absent
 * from the SANs is not refused: RFC 9525 §6.3 ignores the CN whenever SANs exist, and x509-limbo's BetterTLS cases
 * (thousands of real-world-shaped chains) expect such certificates to validate on their SANs.
 * Returns why the CN is unacceptable, or null. Only meaningful beside a SAN extension.
 */
export function commonNameProblem(cert: Certificate): string | null {
  const sans = cert.extensions.subjectAltName?.names;
  if (!sans) return null;
  const cns = commonNames(cert.subject);
  for (const cn of cns) {
    const addressLike = /^0x[0-9a-f]+$/i.test(cn) || /^[\d.]+$/.test(cn) || (/^[0-9a-f:.]+$/i.test(cn) && cn.includes(':'));
    if (addressLike) {
      const ip = parseIp(cn);
      const canonical = ip && (ip.length === 4 ? formatIp(ip) : formatIpv6Canonical(ip));
      if (canonical !== cn) return `subject commonName '${cn}' is not an address in canonical form`;
      continue;
    }
    if (isIdn(cn) && !sans.some((g) => g.kind === 'DNS' && g.value.toLowerCase() === cn.toLowerCase())) {
      return `subject commonName '${cn}' is not a character-for-character copy of a subjectAltName entry`;
    }
  }
  return null;
}

/** Python's ssl.match_hostname over a getpeercert() dict. Throws CertificateError on mismatch. */
export function matchHostname(cert: PeerCertificate, hostname: string): void {
  const ip = parseIp(hostname);
  const dnsNames: string[] = [];
  let sawSan = false;
  for (const [kind, value] of cert.subjectAltName ?? []) {
    if (typeof value !== 'string') continue;
    if (kind === 'DNS') {
      sawSan = true;
      if (!ip && dnsNameMatches(value, hostname)) return;
      dnsNames.push(value);
    } else if (kind === 'IP Address') {
      sawSan = true;
      const v = parseIp(value);
      if (ip && v && equalBytes(v, ip)) return;
      dnsNames.push(value);
    }
  }
  if (!sawSan) {
    for (const rdn of cert.subject ?? []) {
      for (const [k, v] of rdn) {
        if (k !== 'commonName') continue;
        if (!ip && dnsNameMatches(v, hostname)) return;
        dnsNames.push(v);
      }
    }
  }
  if (dnsNames.length > 1) {
    throw new CertificateError('cert_hostname_mismatch',
      `hostname ${quote(hostname)} doesn't match either of ${dnsNames.map(quote).join(', ')}`);
  }
  if (dnsNames.length === 1) {
    throw new CertificateError('cert_hostname_mismatch', `hostname ${quote(hostname)} doesn't match ${quote(dnsNames[0]!)}`);
  }
  throw new CertificateError('cert_hostname_mismatch', 'no appropriate commonName or subjectAltName fields were found');
}

function quote(s: string): string {
  return `'${s}'`;
}

/**
 * Name constraints (RFC 5280 §4.2.1.10) with the strictness of webpki and Go: malformed constraints and
 * malformed names fail closed, and a name of a type with constraints we cannot evaluate is refused.
 */
import type { Certificate, GeneralName, Name } from './certificate.js';
import { canonicalDnsName } from '../hostname/index.js';
import { commonNames } from './certificate.js';
import { TlsError } from '../errors.js';

/**
 * The names a certificate asserts: SAN entries, plus its subject DN (and emailAddress when there is no SAN).
 * `endEntity`: a leaf with neither a dNSName nor an iPAddress SAN is also bound by its host-name-like subject CNs,
 * as OpenSSL does ("permitted subtree violation"): a client that falls back to the CN exactly then (Python's
 * match_hostname) must never see a CN that the constraints were not applied to. Beside an IP SAN the CN is left
 * alone, as BetterTLS expects (no identity check consults it there).
 */
export function certificateNames(cert: Certificate, endEntity = false): GeneralName[] {
  const out: GeneralName[] = [...(cert.extensions.subjectAltName?.names ?? [])];
  if (cert.subject.rdns.length > 0) out.push({ kind: 'dirName', name: cert.subject });
  if (!cert.extensions.subjectAltName) {
    for (const a of cert.subject.rdns.flat()) if (a.oid === '1.2.840.113549.1.9.1') out.push({ kind: 'email', value: a.value });
  }
  if (endEntity && !out.some((n) => n.kind === 'DNS' || n.kind === 'IP')) {
    for (const cn of commonNames(cert.subject)) if (hostNameLike(cn)) out.push({ kind: 'DNS', value: cn });
  }
  return out;
}

/** A CN that reads as a DNS host name: valid LDH labels and a top-level label that is not all digits (not an address). */
function hostNameLike(cn: string): boolean {
  const n = canonicalDnsName(cn, true);
  return !!n && !/^\d+$/.test(n.slice(n.lastIndexOf('.') + 1));
}

/** Name-versus-constraint comparisons allowed for one validation (all CAs and certificates of all paths tried). */
export const NAME_CONSTRAINT_BUDGET = 1 << 16;
export interface Budget { left: number }

function spend(budget: Budget | undefined, n: number): void {
  if (!budget) return;
  budget.left -= n;
  if (budget.left < 0) {
    throw new TlsError('cert_too_complex', `name constraint checking gave up after ${NAME_CONSTRAINT_BUDGET} comparisons`);
  }
}

/**
 * Why the names break the constraints, or null when they satisfy them. Every comparison is charged to `budget`;
 * running out throws TlsError cert_too_complex.
 */
export function checkNameConstraints(
  nc: NonNullable<Certificate['extensions']['nameConstraints']>,
  names: GeneralName[],
  budget?: Budget,
): string | null {
  for (const name of names) {
    spend(budget, 1 + (nc.permitted?.length ?? 0) + (nc.excluded?.length ?? 0));
    const permitted = (nc.permitted ?? []).filter((c) => c.kind === name.kind);
    const excluded = (nc.excluded ?? []).filter((c) => c.kind === name.kind);
    if (permitted.length === 0 && excluded.length === 0) continue;
    for (const c of excluded) {
      const m = matches(c, name, true);
      if (m === null) return `unsupported or malformed ${name.kind} name constraint or name`;
      if (m) return `${describe(name)} is excluded by a name constraint`;
    }
    if (permitted.length > 0) {
      let any = false;
      for (const c of permitted) {
        const m = matches(c, name, false);
        if (m === null) return `unsupported or malformed ${name.kind} name constraint or name`;
        if (m) any = true;
      }
      if (!any) return `${describe(name)} is not within the permitted name constraints`;
    }
  }
  return null;
}

function describe(n: GeneralName): string {
  switch (n.kind) {
    case 'DNS': case 'email': case 'URI': return `${n.kind} name '${n.value}'`;
    case 'IP': return `IP address ${Array.from(n.bytes).join('.')}`;
    case 'dirName': return 'directory name ' + n.name.rdns.flat().map((a) => `${a.shortName}=${a.value}`).join(',');
    default: return 'other name';
  }
}

/**
 * true / false, or null when the constraint or the name cannot be evaluated (treated as a violation).
 * `excluding`: a wildcard name counts as inside an excluded subtree when any name it covers would be
 * (CVE-2025-61727: '*.example.com' must not slip past an exclusion of 'bar.example.com').
 */
function matches(c: GeneralName, n: GeneralName, excluding: boolean): boolean | null {
  if (c.kind === 'DNS' && n.kind === 'DNS') {
    const within = dnsWithin(n.value, c.value);
    if (within !== false || !excluding || !n.value.startsWith('*.')) return within;
    const cc = canonicalDnsName(c.value, false);
    const base = canonicalDnsName(n.value.slice(2), false);
    return !!cc && !!base && cc.slice(cc.indexOf('.') + 1) === base && cc.includes('.');
  }
  if (c.kind === 'IP' && n.kind === 'IP') return ipWithin(n.bytes, c.bytes);
  if (c.kind === 'email' && n.kind === 'email') return emailWithin(n.value, c.value);
  if (c.kind === 'dirName' && n.kind === 'dirName') return dnWithin(n.name, c.name);
  return null;
}

function dnsWithin(name: string, constraint: string): boolean | null {
  if (constraint === '') return true;
  // A leading period is only meaningful in URI constraints; in dNSName constraints it is malformed.
  const c = canonicalDnsName(constraint, false);
  const n = canonicalDnsName(name, true);
  if (!c || !n) return null;
  return n === c || n.endsWith('.' + c);
}

function ipWithin(ip: Uint8Array, constraint: Uint8Array): boolean | null {
  if (constraint.length !== 8 && constraint.length !== 32) return null;
  if (ip.length !== 4 && ip.length !== 16) return null;
  const half = constraint.length / 2;
  const mask = constraint.subarray(half);
  // The mask must be a run of ones followed by zeros (a CIDR prefix).
  let zero = false;
  for (const byte of mask) {
    for (let b = 7; b >= 0; b--) {
      const one = (byte >> b) & 1;
      if (one && zero) return null;
      if (!one) zero = true;
    }
  }
  if (ip.length !== half) return false;
  for (let i = 0; i < half; i++) if ((ip[i]! & mask[i]!) !== (constraint[i]! & mask[i]!)) return false;
  return true;
}

function validMailbox(s: string): { local: string; domain: string } | null {
  const at = s.lastIndexOf('@');
  if (at <= 0 || s.indexOf('@') !== at) return null;
  const domain = canonicalDnsName(s.slice(at + 1), false);
  if (!domain) return null;
  return { local: s.slice(0, at), domain };
}

function emailWithin(email: string, constraint: string): boolean | null {
  const m = validMailbox(email);
  if (!m) return null;
  if (constraint.includes('@')) {
    const c = validMailbox(constraint);
    if (!c) return null;
    return c.local === m.local && c.domain === m.domain;
  }
  if (constraint.startsWith('.')) {
    const d = canonicalDnsName(constraint.slice(1), false);
    if (!d) return null;
    return m.domain.endsWith('.' + d);
  }
  const d = canonicalDnsName(constraint, false);
  if (!d) return null;
  return m.domain === d;
}

function normalizeValue(v: string): string {
  return v.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The constraint's RDNs are a prefix of the name's RDNs (compared case- and space-insensitively). */
function dnWithin(name: Name, constraint: Name): boolean {
  if (constraint.rdns.length > name.rdns.length) return false;
  return constraint.rdns.every((rdn, i) => {
    const other = name.rdns[i]!;
    return rdn.length === other.length &&
      rdn.every((a) => other.some((b) => b.oid === a.oid && normalizeValue(b.value) === normalizeValue(a.value)));
  });
}

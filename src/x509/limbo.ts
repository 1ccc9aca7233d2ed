/**
 * The x509-limbo harness core (C2SP x509-limbo test format): runs each testcase through verifyCertificateChain
 * and tallies the outcome. Shared by scripts/limbo.ts and test/x509/limbo.test.ts; takes parsed JSON, no I/O.
 */
import { verifyCertificateChain, type VerifyProfile } from './verify.js';

export interface LimboCase {
  id: string;
  features?: string[];
  validation_kind: 'SERVER' | 'CLIENT';
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  signature_algorithms?: string[];
  key_usage?: string[];
  extended_key_usage?: string[];
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name: { kind: 'DNS' | 'IP' | 'RFC822'; value: string } | null;
  description?: string;
  max_chain_depth: number | null;
  crls?: string[];
}

export interface LimboResult {
  id: string;
  actual_result: 'SUCCESS' | 'FAILURE' | 'SKIPPED';
  context: string;
  expected: 'SUCCESS' | 'FAILURE';
  /** Wall time of the validation, milliseconds. */
  ms: number;
}

export function runLimboCase(tc: LimboCase, profile: VerifyProfile = 'webpki'): LimboResult {
  const t0 = performance.now();
  const r = verifyCertificateChain({
    profile,
    leaf: tc.peer_certificate,
    intermediates: tc.untrusted_intermediates,
    roots: tc.trusted_certs,
    ...(tc.validation_time ? { time: new Date(tc.validation_time) } : {}),
    purpose: tc.validation_kind === 'CLIENT' ? 'client' : 'server',
    ...(tc.expected_peer_name ? { peerName: tc.expected_peer_name } : {}),
    ...(tc.extended_key_usage?.length ? { extendedKeyUsage: tc.extended_key_usage } : {}),
    ...(tc.max_chain_depth !== null && tc.max_chain_depth !== undefined ? { maxDepth: tc.max_chain_depth } : {}),
    ...(tc.crls?.length ? { crls: tc.crls } : {}),
  });
  return {
    id: tc.id,
    actual_result: r.ok ? 'SUCCESS' : 'FAILURE',
    context: r.ok ? 'chain of ' + r.chain.length : `${r.code}: ${r.message}`,
    expected: tc.expected_result,
    ms: performance.now() - t0,
  };
}

/**
 * The rule a case samples, for listing false accepts: the first RFC / CA/B BR section its description cites,
 * else its id's category (e.g. 'webpki::san').
 */
export function ruleOf(tc: LimboCase): string {
  const d = (tc.description ?? '').replace(/\s+/g, ' ');
  const m = /\b(RFC ?\d{4})[ ,]*(?:§|section |sec\. ?)?(\d+(?:\.\d+)*)?/i.exec(d) ??
    /\b(?:CA\/?B(?:F| Forum)?|CABF)?\s*(BRs?|Baseline Requirements)[ ,]*(?:§|section )?(\d+(?:\.\d+)+)/i.exec(d);
  if (m) return `${/^rfc/i.test(m[1]!) ? m[1]!.toUpperCase().replace(/^RFC ?/, 'RFC ') : 'CA/B BR'}${m[2] ? ' §' + m[2] : ''}`;
  return tc.id.split('::').slice(0, -1).join('::') || tc.id;
}

export interface LimboTally {
  total: number;
  right: number;
  falseAccept: number;
  falseReject: number;
  skipped: number;
  slowest: { id: string; ms: number };
  byPrefix: Map<string, { total: number; right: number; falseAccept: number; falseReject: number }>;
}

export function tally(results: LimboResult[]): LimboTally {
  const t: LimboTally = { total: 0, right: 0, falseAccept: 0, falseReject: 0, skipped: 0, slowest: { id: '', ms: 0 }, byPrefix: new Map() };
  for (const r of results) {
    if (r.ms > t.slowest.ms) t.slowest = { id: r.id, ms: r.ms };
    const prefix = r.id.split('::')[0]!;
    let p = t.byPrefix.get(prefix);
    if (!p) t.byPrefix.set(prefix, (p = { total: 0, right: 0, falseAccept: 0, falseReject: 0 }));
    t.total++;
    p.total++;
    if (r.actual_result === 'SKIPPED') t.skipped++;
    else if (r.actual_result === r.expected) {
      t.right++;
      p.right++;
    } else if (r.actual_result === 'SUCCESS') {
      t.falseAccept++;
      p.falseAccept++;
    } else {
      t.falseReject++;
      p.falseReject++;
    }
  }
  return t;
}

/**
 * The x509-limbo harness core (C2SP x509-limbo test format): runs each testcase through verifyCertificateChain
 * and tallies the outcome. Shared by scripts/limbo.ts and test/x509/limbo.test.ts; takes parsed JSON, no I/O.
 */
import { verifyCertificateChain } from './verify.js';

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
  max_chain_depth: number | null;
  crls?: string[];
}

export interface LimboResult {
  id: string;
  actual_result: 'SUCCESS' | 'FAILURE' | 'SKIPPED';
  context: string;
  expected: 'SUCCESS' | 'FAILURE';
}

export function runLimboCase(tc: LimboCase): LimboResult {
  const r = verifyCertificateChain({
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
  };
}

export interface LimboTally {
  total: number;
  right: number;
  falseAccept: number;
  falseReject: number;
  skipped: number;
  byPrefix: Map<string, { total: number; right: number; falseAccept: number; falseReject: number }>;
}

export function tally(results: LimboResult[]): LimboTally {
  const t: LimboTally = { total: 0, right: 0, falseAccept: 0, falseReject: 0, skipped: 0, byPrefix: new Map() };
  for (const r of results) {
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

import type { Verification } from './io.js';

/**
 * A resumable session. Plain JSON-safe data (bytes as base64 strings), so a user can keep it anywhere
 * (memory, IndexedDB, a file) with JSON.stringify and hand it back to connect({ session }).
 */
export interface TlsSession {
  /** Protocol version number (0x0301..0x0303). */
  version: number;
  /** Cipher suite id. */
  cipherSuite: number;
  /**
   * Base64 master secret; in a TLS 1.3 session the resumption PSK its ticket stands for (RFC 8446 §4.6.1). Treat
   * the whole object as a secret.
   */
  masterSecret: string;
  /** Base64 session id given by the server (may be empty when only a ticket is used). */
  sessionId: string;
  /** Base64 RFC 5077 ticket, when the server issued one. */
  ticket?: string;
  /** Ticket lifetime hint in seconds (0: unspecified); in TLS 1.3 the ticket's lifetime, past which it is not offered. */
  ticketLifetime?: number;
  /** TLS 1.3: the ticket's ticket_age_add, hiding its age on the wire (obfuscated_ticket_age, RFC 8446 §4.2.11.1). */
  ticketAgeAdd?: number;
  /** TLS 1.3: the most early data (0-RTT) the server accepts with this ticket, in bytes; absent or 0: none. */
  maxEarlyData?: number;
  /** Always true in TLS 1.3, whose key schedule binds every secret to its handshake (what RFC 7627 adds to 1.2). */
  extendedMasterSecret: boolean;
  /** The server name the session was made for; resumption is only offered to the same name. */
  serverName?: string;
  alpnProtocol?: string;
  /** Base64 DER certificates the peer presented in the full handshake, leaf first. */
  peerChain: string[];
  /** Milliseconds since the epoch when the full handshake happened; in TLS 1.3 when the ticket was received. */
  createdAt: number;
  /*
   * The policy the session was made under. A resumed connection skips the certificate check, so a session is only
   * offered to a connection whose own checks it satisfies (sessionSatisfies). Sessions without these fields (from
   * older builds) count as unverified.
   */
  /** verify mode of the full handshake. */
  verifyMode?: 'required' | 'optional' | 'none';
  /** Outcome of the certificate check in the full handshake; a resumed connection reports it. */
  verification?: Verification;
  /** The name the certificate was checked against (lower case, no trailing dot); absent: no name was checked. */
  checkedName?: string;
  /** Hex SHA-256 identity of the trust anchor set the chain was checked against. */
  trustAnchors?: string;
  /** The certificate profile the chain was checked under ('webpki' or 'rfc5280'). */
  profile?: string;
  /** The smallest RSA key and DH group the full handshake accepted, in bits. */
  minRsaBits?: number;
  minDhBits?: number;
  /** Hex SHA-256 of our own client certificate (leaf) configured for the full handshake; absent: none. */
  clientCert?: string;
  /**
   * Milliseconds since the epoch: the earliest notAfter of the verified path (leaf, intermediates, trust anchor).
   * Past it the session is not offered to a connection that verifies (a full handshake would refuse the chain).
   * Present whenever the chain was verified; a verified session without it (an older build) is not offered either.
   */
  notAfter?: number;
  /**
   * The signature scheme (IANA id) the server signed the handshake with: ServerKeyExchange in TLS 1.2, CertificateVerify
   * in 1.3. Absent when none was named (RSA key exchange, TLS 1.0/1.1). Offered only where signatureAlgorithms allows it.
   */
  signatureScheme?: number;
  /**
   * Milliseconds since the epoch: the nextUpdate of the good OCSP staple checked against the verified path in the full
   * handshake. A connection that asks for OCSP (requestOcsp) offers only a session whose staple is still current.
   */
  ocspNextUpdate?: number;
}

/** What a certificate check proved, beyond its outcome: what the sessions it makes carry. */
export interface PeerCheck {
  verification: Verification;
  /** The earliest notAfter (ms since the epoch) of the verified path; absent when nothing was verified. */
  notAfter?: number;
  /** The nextUpdate (ms since the epoch) of a good stapled OCSP response checked against the path. */
  ocspNextUpdate?: number;
}

/** What a new connection requires of a session before it offers it. */
export interface SessionPolicy {
  verifyMode: 'required' | 'optional' | 'none';
  /** The name this connection checks (normalized as in TlsSession.checkedName); absent: no name check. */
  checkedName?: string;
  /** Identity of this connection's trust anchors (absent when verifyMode is 'none'). */
  trustAnchors?: string;
  /** The certificate profile this connection checks under (absent when verifyMode is 'none'). */
  profile?: string;
  minRsaBits: number;
  minDhBits: number;
  clientCert?: string;
  /** Resume sessions made without extended master secret (RFC 7627 §5.3 says SHOULD NOT). */
  allowNonEmsResumption: boolean;
  /** The signature schemes this connection accepts from the server (signature_algorithms). */
  signatureSchemes: readonly number[];
  /** This connection asks for an OCSP staple: a resumed session must carry a good one still current. */
  ocsp: boolean;
}

/** A name as a session records it: lower case, without a trailing dot. */
export function normalizeCheckedName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * The session satisfies what the new connection would check in a full handshake at `nowMs` (the connection's clock): a
 * connection that verifies only resumes a session whose chain was verified, under the same trust anchors and profile,
 * for the same name (when it checks one), with every certificate of the path still within its validity, and (when the
 * connection asks for OCSP) with a good staple still before its nextUpdate; key-size floors at least as strict; the
 * same client certificate; a handshake signature scheme the connection accepts; extended master secret unless allowed.
 */
export function sessionSatisfies(s: TlsSession, p: SessionPolicy, nowMs: number): boolean {
  if (!s.extendedMasterSecret && !p.allowNonEmsResumption) return false;
  if ((s.minRsaBits ?? 0) < p.minRsaBits || (s.minDhBits ?? 0) < p.minDhBits) return false;
  if ((s.clientCert ?? '') !== (p.clientCert ?? '')) return false;
  if (s.signatureScheme !== undefined && !p.signatureSchemes.includes(s.signatureScheme)) return false;
  if (p.verifyMode === 'none') return true;
  if (s.verifyMode === 'none' || s.verifyMode === undefined || s.verification?.ok !== true) return false;
  if (!s.trustAnchors || s.trustAnchors !== p.trustAnchors) return false;
  if (s.profile !== p.profile) return false;
  if (p.checkedName !== undefined && s.checkedName !== p.checkedName) return false;
  // A verified session without notAfter comes from a build that did not record it: its path's validity is unknown.
  if (typeof s.notAfter !== 'number' || !(nowMs <= s.notAfter)) return false;
  if (p.ocsp && (typeof s.ocspNextUpdate !== 'number' || !(nowMs <= s.ocspNextUpdate))) return false;
  return true;
}

/**
 * The policy fields a session made under `p` carries: the verification outcome, and what the verified path and its
 * staple proved (`check`), and the server's handshake signature scheme (`signatureScheme`, when one was named).
 */
export function sessionPolicyFields(p: SessionPolicy, check: PeerCheck, signatureScheme?: number): Partial<TlsSession> {
  const { verification } = check;
  return {
    verifyMode: p.verifyMode,
    verification: verification.ok ? { ok: true } : { ...verification },
    ...(p.verifyMode !== 'none' && p.checkedName !== undefined ? { checkedName: p.checkedName } : {}),
    ...(p.verifyMode !== 'none' && p.trustAnchors ? { trustAnchors: p.trustAnchors } : {}),
    ...(p.verifyMode !== 'none' && p.profile ? { profile: p.profile } : {}),
    minRsaBits: p.minRsaBits,
    minDhBits: p.minDhBits,
    ...(p.clientCert ? { clientCert: p.clientCert } : {}),
    ...(verification.ok && check.notAfter !== undefined ? { notAfter: check.notAfter } : {}),
    ...(verification.ok && check.ocspNextUpdate !== undefined ? { ocspNextUpdate: check.ocspNextUpdate } : {}),
    ...(signatureScheme !== undefined ? { signatureScheme } : {}),
  };
}

/** The earliest notAfter of a verified path, in milliseconds since the epoch. */
export function pathNotAfter(path: readonly { notAfter: Date }[]): number | undefined {
  return path.length ? Math.min(...path.map((c) => c.notAfter.getTime())) : undefined;
}

/** The verification a resumed connection reports: what its session carries. */
export function carriedVerification(s: TlsSession): Verification {
  const v = s.verification;
  if (v && v.ok) return { ok: true };
  if (v) return { ...v };
  return { ok: false, code: 'not_verified', message: 'the resumed session carries no verification result' };
}

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
}

/** A name as a session records it: lower case, without a trailing dot. */
export function normalizeCheckedName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * The session satisfies what the new connection would check in a full handshake: a connection that verifies only
 * resumes a session whose chain was verified, under the same trust anchors and profile, for the same name (when it checks
 * one); key-size floors at least as strict; the same client certificate; extended master secret unless allowed.
 */
export function sessionSatisfies(s: TlsSession, p: SessionPolicy): boolean {
  if (!s.extendedMasterSecret && !p.allowNonEmsResumption) return false;
  if ((s.minRsaBits ?? 0) < p.minRsaBits || (s.minDhBits ?? 0) < p.minDhBits) return false;
  if ((s.clientCert ?? '') !== (p.clientCert ?? '')) return false;
  if (p.verifyMode === 'none') return true;
  if (s.verifyMode === 'none' || s.verifyMode === undefined || s.verification?.ok !== true) return false;
  if (!s.trustAnchors || s.trustAnchors !== p.trustAnchors) return false;
  if (s.profile !== p.profile) return false;
  if (p.checkedName !== undefined && s.checkedName !== p.checkedName) return false;
  return true;
}

/** The policy fields a session made under `p` with this verification outcome carries. */
export function sessionPolicyFields(p: SessionPolicy, verification: Verification): Partial<TlsSession> {
  return {
    verifyMode: p.verifyMode,
    verification: verification.ok ? { ok: true } : { ...verification },
    ...(p.verifyMode !== 'none' && p.checkedName !== undefined ? { checkedName: p.checkedName } : {}),
    ...(p.verifyMode !== 'none' && p.trustAnchors ? { trustAnchors: p.trustAnchors } : {}),
    ...(p.verifyMode !== 'none' && p.profile ? { profile: p.profile } : {}),
    minRsaBits: p.minRsaBits,
    minDhBits: p.minDhBits,
    ...(p.clientCert ? { clientCert: p.clientCert } : {}),
  };
}

/** The verification a resumed connection reports: what its session carries. */
export function carriedVerification(s: TlsSession): Verification {
  const v = s.verification;
  if (v && v.ok) return { ok: true };
  if (v) return { ...v };
  return { ok: false, code: 'not_verified', message: 'the resumed session carries no verification result' };
}

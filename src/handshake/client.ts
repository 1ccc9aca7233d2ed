/**
 * The client handshake, version-neutral part: build the ClientHello (with the session we may resume), read the
 * ServerHello, check the version and suite it chose, then hand over to the flow of that version:
 * client-tls12.ts (RFC 5246 §7.3).
 */
import { TlsError } from '../errors.js';
import type { HandshakeIO, HandshakeResult, Verification } from './io.js';
import { HandshakeType as HT } from './framer.js';
import { ExtensionType as ET, type Extension } from './extensions.js';
import * as X from './extensions.js';
import * as M from './messages.js';
import { equalBytes } from './codec.js';
import { DOWNGRADE_SENTINEL_OFFSET, DOWNGRADE_TLS11 } from './downgrade.js';
import { EC_POINT_UNCOMPRESSED } from './key-agreement.js';
import { clientHandshakeTls12 } from './client-tls12.js';
import { sessionSatisfies, type SessionPolicy, type TlsSession } from './session.js';
import { base64Decode } from '../pem.js';
import {
  TLS12,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  TLS_FALLBACK_SCSV,
  suiteAllowedIn,
  suiteById,
  versionName,
  type CipherSuite,
  type ProtocolVersion,
} from '../crypto/suites.js';
import type { PrivateKey } from '../crypto/types.js';

export type { Verification };

export interface ClientIdentity {
  /** DER certificates, leaf first. */
  chain: Uint8Array[];
  key: PrivateKey;
}

export interface ClientHandshakeConfig {
  /** SNI host name (a DNS name; IP literals are not sent). */
  serverName?: string;
  minVersion: ProtocolVersion;
  maxVersion: ProtocolVersion;
  suites: readonly CipherSuite[];
  /** Named group ids, in preference order (ECDHE curves and RFC 7919 FFDHE groups). */
  groups: readonly number[];
  signatureSchemes: readonly number[];
  alpnProtocols?: readonly string[];
  /** Smallest DHE prime accepted, in bits. */
  minDhBits: number;
  /** Smallest RSA key accepted for the server's key exchange or signature, in bits. */
  minRsaBits: number;
  /** Send TLS_FALLBACK_SCSV: this is a retry with a lower maximum version (RFC 7507). */
  fallbackScsv: boolean;
  /** Connect to servers that do not support secure renegotiation (RFC 5746). Default false. */
  allowLegacyServer: boolean;
  /** Refuse servers without extended_master_secret (RFC 7627). */
  requireExtendedMasterSecret: boolean;
  /** Offer encrypt_then_mac (RFC 7366) for CBC suites. */
  encryptThenMac: boolean;
  /** Offer session tickets (RFC 5077). */
  sessionTickets: boolean;
  /** Ask for a stapled OCSP response. */
  statusRequest: boolean;
  /** Offer to resume this session (only when it satisfies `sessionPolicy`). */
  session?: TlsSession;
  /**
   * What this connection checks, recorded in the sessions it makes and required of a session before it is offered.
   * Absent: no session is offered (nothing says what a resumed connection may skip).
   */
  sessionPolicy?: () => Promise<SessionPolicy>;
  /** Our certificate for client authentication, if the server asks. */
  identity?: ClientIdentity;
  /** Check the server's chain (and stapled OCSP response). Throws a CertificateError to fail the handshake. */
  verifyPeer(chain: Uint8Array[], ocspResponse?: Uint8Array): Promise<Verification>;
  /** NSS key log lines (SSLKEYLOGFILE format). */
  keyLog?: (line: string) => void;
  /** max_fragment_length to ask for (RFC 6066). */
  maxFragmentLength?: X.MaxFragmentLength;
  /** record_size_limit to announce (RFC 8449): the largest record plaintext we want to receive. */
  recordSizeLimit?: number;
}

function isDnsName(name: string): boolean {
  // RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted in server_name.
  return !/^[\d.]+$/.test(name) && !name.includes(':') && !name.startsWith('[');
}

function buildClientHello(cfg: ClientHandshakeConfig, random: Uint8Array, sessionId: Uint8Array, ticket: Uint8Array | null): M.ClientHello {
  const suites = cfg.suites.filter((s) => s.maxVersion >= cfg.minVersion && s.minVersion <= cfg.maxVersion).map((s) => s.id);
  if (!suites.length) throw new TlsError('config_invalid', 'no cipher suite is allowed in the configured version range');
  suites.push(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  if (cfg.fallbackScsv) suites.push(TLS_FALLBACK_SCSV);

  const ext: Extension[] = [];
  if (cfg.serverName && isDnsName(cfg.serverName)) {
    ext.push({ type: ET.server_name, data: X.encodeServerName(cfg.serverName.replace(/\.$/, '')) });
  }
  const ecdhe = cfg.suites.some((s) => s.kx === 'ECDHE');
  const dhe = cfg.suites.some((s) => s.kx === 'DHE');
  const groups = cfg.groups.filter((g) => (g >= 256 ? dhe : ecdhe));
  if (groups.length) ext.push({ type: ET.supported_groups, data: X.encodeSupportedGroups(groups) });
  if (ecdhe) ext.push({ type: ET.ec_point_formats, data: X.encodeEcPointFormats([EC_POINT_UNCOMPRESSED]) });
  if (cfg.maxVersion >= TLS12) ext.push({ type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms(cfg.signatureSchemes) });
  if (cfg.alpnProtocols?.length) ext.push({ type: ET.application_layer_protocol_negotiation, data: X.encodeAlpn(cfg.alpnProtocols) });
  if (cfg.statusRequest) ext.push({ type: ET.status_request, data: X.encodeStatusRequest() });
  if (cfg.maxFragmentLength) ext.push({ type: ET.max_fragment_length, data: X.encodeMaxFragmentLength(cfg.maxFragmentLength) });
  if (cfg.recordSizeLimit !== undefined) ext.push({ type: ET.record_size_limit, data: X.encodeRecordSizeLimit(cfg.recordSizeLimit) });
  if (cfg.encryptThenMac && cfg.suites.some((s) => s.type === 'cbc')) ext.push({ type: ET.encrypt_then_mac, data: new Uint8Array(0) });
  ext.push({ type: ET.extended_master_secret, data: new Uint8Array(0) });
  if (cfg.sessionTickets) ext.push({ type: ET.session_ticket, data: ticket ? X.encodeSessionTicket(ticket) : new Uint8Array(0) });
  // The SCSV above signals secure renegotiation support; the extension is not sent alongside it (RFC 5746 §3.4).
  return { version: cfg.maxVersion, random, sessionId, cipherSuites: suites, compressionMethods: [0], extensions: ext };
}

/**
 * The session we may offer: only to the same server name, within the configured versions and suites. A ticket past
 * the lifetime the server gave it (RFC 5077 §3.3) is not offered; the session id may still be.
 */
function resumable(cfg: ClientHandshakeConfig, policy: SessionPolicy | undefined, nowMs: number): TlsSession | undefined {
  const s = cfg.session;
  if (!s || !policy || !sessionSatisfies(s, policy)) return undefined;
  if ((s.serverName ?? '') !== (cfg.serverName ?? '')) return undefined;
  if (s.version < cfg.minVersion || s.version > cfg.maxVersion) return undefined;
  if (!cfg.suites.some((x) => x.id === s.cipherSuite)) return undefined;
  if (s.ticket && s.ticketLifetime && nowMs - s.createdAt > s.ticketLifetime * 1000) {
    const { ticket: _expired, ticketLifetime: _hint, ...byId } = s;
    return byId.sessionId ? byId : undefined;
  }
  return s;
}

export async function clientHandshake(io: HandshakeIO, cfg: ClientHandshakeConfig): Promise<HandshakeResult> {
  // ---- ClientHello
  const clientRandom = io.random(32);
  const policy = await cfg.sessionPolicy?.();
  const offer = resumable(cfg, policy, io.now().getTime());
  const offeredTicket = offer?.ticket ? base64Decode(offer.ticket) : null;
  // With a ticket we send a fresh session id: the server echoes it if it accepts the ticket (RFC 5077 §3.4).
  const offeredSessionId = offer ? (offeredTicket ? io.random(32) : base64Decode(offer.sessionId)) : new Uint8Array(0);
  const hello = buildClientHello(cfg, clientRandom, offeredSessionId, offeredTicket);
  const offeredExt = new Set(hello.extensions!.map((e) => e.type));
  await io.send(HT.client_hello, M.encodeClientHello(hello));

  // ---- ServerHello
  const sh = M.decodeServerHello((await io.expect(HT.server_hello)).body);
  const version = sh.version as ProtocolVersion;
  if (sh.version < cfg.minVersion || sh.version > cfg.maxVersion) {
    throw new TlsError(
      'protocol_version',
      `the server chose ${versionName(sh.version)}, outside the allowed ${versionName(cfg.minVersion)}..${versionName(cfg.maxVersion)}`,
    );
  }
  io.setVersion(version);
  if (version < TLS12 && cfg.maxVersion >= TLS12 && equalBytes(sh.random.subarray(DOWNGRADE_SENTINEL_OFFSET), DOWNGRADE_TLS11)) {
    throw new TlsError('protocol_downgrade', 'the server signalled a downgrade to TLS 1.1 or below (RFC 8446 sentinel)');
  }
  const suite = suiteById(sh.cipherSuite);
  if (!suite || !hello.cipherSuites.includes(sh.cipherSuite)) {
    throw new TlsError('protocol_illegal_parameter', `the server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which was not offered`);
  }
  if (!suiteAllowedIn(suite, version)) {
    throw new TlsError('protocol_illegal_parameter', `${suite.name} is not defined for ${versionName(version)}`);
  }
  if (sh.compressionMethod !== 0) throw new TlsError('protocol_illegal_parameter', 'the server chose compression');
  for (const e of sh.extensions ?? []) {
    if (!offeredExt.has(e.type) && e.type !== ET.renegotiation_info) {
      throw new TlsError('protocol_unsupported_extension', `the server sent extension ${X.extensionName(e.type)}, which was not offered`);
    }
  }

  return clientHandshakeTls12(io, cfg, { hello, sh, version, suite, clientRandom, offer, offeredSessionId, ...(policy ? { policy } : {}) });
}

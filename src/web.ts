/**
 * puretls, portable entry: TLS 1.0–1.2, client and server, over any duplex byte stream. Nothing in this module's
 * graph imports a Node built-in, and its types need no @types/node: it is what browsers, Workers (workerd), Deno and
 * bundlers get for `import 'puretls'`. Node gets src/index.ts (the `node` export condition): all of this plus
 * nodeStream, toNodeDuplex, the system CA bundle and TCP for connect({ host, port }) / request(url).
 */
export { connect, type ConnectOptions } from './client.js';
export { accept, createServerContext, ServerContext, type AcceptOptions, type ServerOptions, type ServerIdentityInput, type SniResult } from './server.js';
export { TlsConnection, type HandshakeResult } from './connection.js';
export type { ChannelBindingType } from './exporter.js';
export { TlsError, CertificateError, AlertDescription, alertName, type TlsErrorCode, type AlertName } from './errors.js';
export type { ByteStream } from './transport/types.js';
export { memoryPair } from './transport/memory.js';
export type { PemInput } from './pem.js';
export type { TlsVersion, CipherSuiteName, OpenSslSuiteName, CipherSuiteOption } from './crypto/suites.js';
export type { SignatureSchemeName } from './crypto/sig.js';
export type { GroupName } from './crypto/kex.js';
export type { GroupOptionName } from './config.js';
export { CIPHER_SUITES } from './crypto/suites.js';
export type { TlsSession } from './handshake/session.js';
export { createSessionStore, type SessionStore } from './handshake/session-cache.js';
export type { TicketKey } from './handshake/tickets.js';
export type { OcspStaple } from './server.js';
export { checkOcspResponse, type OcspResult, type OcspCertStatus } from './x509/ocsp.js';
export { verifyCertificateChain } from './x509/verify.js';
export type { PeerCertificate } from './x509/peercert.js';
export { matchHostname } from './hostname/index.js';
export { webSocketStream, type WebSocketLike, type WebSocketStreamOptions } from './transport/websocket.js';
export { webStreams } from './transport/webstreams.js';
export {
  wrapSocket,
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  PROTOCOL_SSLv23,
  PROTOCOL_TLS,
  PROTOCOL_TLSv1,
  PROTOCOL_TLSv1_1,
  PROTOCOL_TLSv1_2,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  TLSVersion,
  type WrapSocketOptions,
  type SSLSocket,
} from './python.js';
export { request, type RequestInit, type RequestBody, type Target } from './http/index.js';
/** Parse one DER certificate into the getpeercert() shape (e.g. to show each certificate of peerCertificateChain()). */
export { peerCertificateFromDer } from './peer.js';
export { setPlatform, type Platform, type TcpOptions } from './platform.js';

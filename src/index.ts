/** puretls: TLS 1.0–1.2, client and server, over any duplex byte stream. */
export { connect, type ConnectOptions } from './client.js';
export { accept, createServerContext, ServerContext, type AcceptOptions, type ServerOptions, type ServerIdentityInput, type SniResult } from './server.js';
export { TlsConnection, type HandshakeResult } from './connection.js';
export { TlsError, CertificateError, AlertDescription, alertName } from './errors.js';
export type { ByteStream } from './transport/types.js';
export { memoryPair } from './transport/memory.js';
export { nodeStream } from './transport/node.js';
export type { PemInput } from './pem.js';
export type { TlsVersion } from './crypto/suites.js';
export { CIPHER_SUITES } from './crypto/suites.js';
export type { TlsSession } from './handshake/session.js';
export { verifyCertificateChain } from './x509/verify.js';
export type { PeerCertificate } from './x509/peercert.js';
export { matchHostname } from './hostname/index.js';

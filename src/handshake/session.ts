/**
 * A resumable session. Plain JSON-safe data (bytes as base64 strings), so a user can keep it anywhere
 * (memory, IndexedDB, a file) with JSON.stringify and hand it back to connect({ session }).
 */
export interface TlsSession {
  /** Protocol version number (0x0301..0x0303). */
  version: number;
  /** Cipher suite id. */
  cipherSuite: number;
  /** Base64 master secret. Treat the whole object as a secret. */
  masterSecret: string;
  /** Base64 session id given by the server (may be empty when only a ticket is used). */
  sessionId: string;
  /** Base64 RFC 5077 ticket, when the server issued one. */
  ticket?: string;
  /** Ticket lifetime hint in seconds (0: unspecified). */
  ticketLifetime?: number;
  extendedMasterSecret: boolean;
  /** The server name the session was made for; resumption is only offered to the same name. */
  serverName?: string;
  alpnProtocol?: string;
  /** Base64 DER certificates the peer presented in the full handshake, leaf first. */
  peerChain: string[];
  /** Milliseconds since the epoch when the full handshake happened. */
  createdAt: number;
}

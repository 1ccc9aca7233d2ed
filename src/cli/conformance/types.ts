/** The shapes shared by the conformance harness: a cell of the matrix, its outcome, and a peer driver. */
import type { CipherSuite, TlsVersion } from '../../crypto/suites.js';

export type PeerName = 'openssl' | 'gnutls' | 'botan' | 'mbedtls' | 'wolfssl' | 'node' | 'python' | 'chromium';
export const PEER_NAMES: readonly PeerName[] = ['openssl', 'gnutls', 'botan', 'mbedtls', 'wolfssl', 'node', 'python', 'chromium'];
/** The role the independent implementation plays; puretls plays the other one. */
export type PeerRole = 'server' | 'client';
export type KeyType = 'RSA' | 'ECDSA';
export type Outcome = 'pass' | 'fail' | 'unsupported';

/** One handshake configuration. keyType is the key of every leaf in the cell (server, and client when clientAuth). */
export interface Cell {
  peer: PeerName;
  peerRole: PeerRole;
  version: TlsVersion;
  suite: CipherSuite;
  keyType: KeyType;
  clientAuth: boolean;
  resumption: boolean;
  /**
   * TLS 1.3: the server takes only secp384r1 while the client sends its first share for another group, so the
   * handshake goes through a HelloRetryRequest (RFC 8446 §4.1.4).
   */
  hrr?: boolean;
  /**
   * TLS 1.3 0-RTT (a resumption cell too): the second connection sends its line as early data, which the server must
   * accept and read first (RFC 8446 §4.2.10).
   */
  earlyData?: boolean;
  /**
   * TLS 1.3 post-quantum: puretls takes or offers only the hybrid X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem), so
   * the cell passes only if the peer does it too; run with peers that have ML-KEM (PeerDriver.pq).
   */
  pq?: boolean;
}

export interface CellResult {
  cell: Cell;
  result: Outcome;
  /** TlsError code of our side, or a conformance_* code for what the harness saw; absent on pass. */
  code?: string;
  /** Human-readable reason (why unsupported, or what failed). */
  detail?: string;
  ms: number;
}

/** The row of a JSON report, exactly as ../shared/CONTRACT.md specifies. */
export interface JsonCell {
  peer: PeerName;
  peerRole: PeerRole;
  version: TlsVersion;
  suite: string;
  keyType: KeyType;
  clientAuth?: boolean;
  resumption?: boolean;
  hrr?: boolean;
  pq?: boolean;
  earlyData?: boolean;
  result: Outcome;
  code?: string;
}

/** Raised inside a cell for failures seen by the harness rather than by our TLS stack. */
export class CellFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a started peer server offers: where it listens and how to talk to it once the handshake is done. */
export interface PeerServer {
  port: number;
  /**
   * 'http': answers a GET with a page; 'echo': sends back what it receives; 'print': prints what it receives on its
   * output (the harness looks for the line there).
   */
  app: 'http' | 'echo' | 'print';
  /** The path to GET on an http server. */
  path?: string;
  /** Output of the peer so far, for failure details. */
  output(): string;
  stop(): Promise<void>;
}

/** A peer client run against our server: resolves when the process is done (or was stopped). */
export interface PeerClientRun {
  /** Everything the peer printed (stdout then stderr). */
  output(): string;
  /** Resolves with the exit code (null when killed). */
  exited: Promise<number | null>;
  /** Close the peer's input (it has nothing more to send). */
  endInput(): void;
  stop(): Promise<void>;
}

export interface ServerSide {
  /** null when the peer can do this cell, else why it cannot (the cell is 'unsupported'). */
  unsupported(cell: Cell): string | null;
  /**
   * 0-RTT cells with this server (Cell.earlyData): it accepts early data, and this says whether its output reports
   * `line` received as early data. Absent: the server takes no early data.
   */
  earlyDataReceived?(output: string, line: string): boolean;
  start(cell: Cell, work: WorkDir): Promise<PeerServer>;
}

/**
 * A peer client that can resume: it connects twice to the same port, the second time offering the session (id or
 * ticket) of the first, sending `line` on each connection that carries data.
 */
export interface ResumingClient {
  /** The first connection only completes the handshake and closes (a client that cannot send data on it). */
  handshakeOnlyFirst?: boolean;
  /** Did the peer itself report that its second connection resumed the first one's session? */
  reused(output: string): boolean;
  /**
   * 0-RTT cells (Cell.earlyData): the client sends `line` as early data on its second connection, and this says
   * whether it reported the early data accepted. Absent: the client cannot send early data.
   */
  earlyDataAccepted?(output: string): boolean;
  start(cell: Cell, port: number, line: string, work: WorkDir): PeerClientRun | Promise<PeerClientRun>;
}

export interface ClientSide {
  unsupported(cell: Cell): string | null;
  /**
   * The client speaks HTTP (a browser): it GETs /<line's words joined by '-'> instead of sending `line`, and must show
   * the body of our answer.
   */
  http?: boolean;
  /** Resumption cells; absent when the peer's client cannot resume a session. */
  resume?: ResumingClient;
  /**
   * For a client that reports certificate verification instead of enforcing it: did it verify us?
   * Absent when the client aborts the handshake on a verification failure.
   */
  verified?(output: string): boolean;
  /** Start the peer client against 127.0.0.1:port; it must send `line` once connected and print what it receives. */
  start(cell: Cell, port: number, line: string, work: WorkDir): PeerClientRun | Promise<PeerClientRun>;
}

export interface PeerDriver {
  name: PeerName;
  /** null when the peer's programs are installed, else what is missing. */
  missing(): string | null;
  /** A one-line version string for reports. */
  version(): string;
  server?: ServerSide;
  client?: ClientSide;
  /** The roles in which this peer does X25519MLKEM768: the matrix gets its pq cells there. */
  pq?: readonly PeerRole[];
  /** Which cells of the matrix this peer takes part in at all (default: every one); others are not built. */
  runs?(cell: Cell): boolean;
}

/** A per-cell temporary directory for config files. */
export interface WorkDir {
  path: string;
  file(name: string, text: string): string;
}

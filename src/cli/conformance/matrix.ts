/**
 * The matrix: peer × role × version × suite, the leaf key type following the suite (ECDSA for ECDHE_ECDSA,
 * RSA otherwise), plus client authentication and session resumption on a subset of suites.
 */
import { ALL_CIPHER_SUITES, suiteAllowedIn, suiteByName, versionFromName, type CipherSuite, type TlsVersion } from '../../crypto/suites.js';
import { DRIVERS } from './peers/index.js';
import type { Cell, PeerName, PeerRole } from './types.js';
import { PEER_NAMES } from './types.js';

export const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * Client authentication runs on one suite per key-exchange family that each version allows: ECDHE with either
 * leaf type (so both RSA and ECDSA CertificateVerify are signed and checked) and static RSA.
 */
export const CLIENT_AUTH_SUITES: readonly string[] = [
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  // TLS 1.3: authentication is apart from the suite; both leaf types sign CertificateVerify on this one.
  'TLS_AES_128_GCM_SHA256',
];

/** TLS 1.3 HelloRetryRequest cells run on this suite, with both leaf types (see Cell.hrr). */
export const HRR_SUITES: readonly string[] = ['TLS_AES_128_GCM_SHA256'];

/** TLS 1.3 X25519MLKEM768 cells run on this suite, with both leaf types, where the peer does ML-KEM (see Cell.pq). */
export const PQ_SUITES: readonly string[] = ['TLS_AES_128_GCM_SHA256'];

/**
 * Resumption runs on these (one per key exchange and leaf type), in every version that allows them; TLS 1.3 by PSK
 * ticket (RFC 8446 §4.6.1) on its first suite, with both leaf types.
 */
export const RESUMPTION_SUITES: readonly string[] = [
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_AES_128_GCM_SHA256',
];

/**
 * TLS 1.3 0-RTT cells (Cell.earlyData) run on this suite, with both leaf types, where the peer client sends early data
 * or the peer server accepts it (puretls then sends its second line with connect({ earlyData })).
 */
export const EARLY_DATA_SUITES: readonly string[] = ['TLS_AES_128_GCM_SHA256'];

/**
 * With puretls as the server, how a resumption cell resumes: by session id on the static-RSA suite (tickets off),
 * by RFC 5077 ticket on the ECDHE ones (session cache off), so each mechanism is the only one that can succeed.
 */
export function resumeBy(cell: Pick<Cell, 'suite'>): 'id' | 'ticket' {
  return cell.suite.protocol === 'tls12' && cell.suite.kx === 'RSA' ? 'id' : 'ticket';
}

export interface MatrixFilter {
  peers?: PeerName[];
  roles?: PeerRole[];
  versions?: TlsVersion[];
  suites?: CipherSuite[];
  /** Add the client-authentication cells (default true). */
  clientAuth?: boolean;
  /**
   * Add resumption cells (default true): the client connects, then resumes the session it got; puretls as the
   * server serves both connections from one ServerContext (see resumeBy).
   */
  resumption?: boolean;
}

export function buildMatrix(f: MatrixFilter = {}): Cell[] {
  const cells: Cell[] = [];
  for (const peer of f.peers ?? PEER_NAMES) {
    const driver = DRIVERS[peer];
    for (const peerRole of f.roles ?? (['server', 'client'] as const)) {
      if (!(peerRole === 'server' ? driver.server : driver.client)) continue;
      for (const version of f.versions ?? VERSIONS) {
        for (const suite of f.suites ?? ALL_CIPHER_SUITES) {
          if (!suiteAllowedIn(suite, versionFromName(version)!)) continue;
          // A 1.2 suite names its leaf type; a 1.3 suite runs with each.
          for (const keyType of suite.protocol === 'tls12' ? [suite.auth] : (['RSA', 'ECDSA'] as const)) {
            const base: Cell = { peer, peerRole, version, suite, keyType, clientAuth: false, resumption: false };
            const add = (c: Cell) => (driver.runs?.(c) ?? true) && cells.push(c);
            add(base);
            if ((f.clientAuth ?? true) && CLIENT_AUTH_SUITES.includes(suite.name)) add({ ...base, clientAuth: true });
            if ((f.resumption ?? true) && RESUMPTION_SUITES.includes(suite.name)) add({ ...base, resumption: true });
            if (HRR_SUITES.includes(suite.name)) add({ ...base, hrr: true });
            if (
              (f.resumption ?? true) &&
              EARLY_DATA_SUITES.includes(suite.name) &&
              suite.protocol === 'tls13' &&
              (peerRole === 'client' ? driver.client?.resume?.earlyDataAccepted : driver.server?.earlyDataReceived)
            ) {
              add({ ...base, resumption: true, earlyData: true });
            }
            if (PQ_SUITES.includes(suite.name) && suite.protocol === 'tls13' && driver.pq?.includes(peerRole)) add({ ...base, pq: true });
          }
        }
      }
    }
  }
  return cells;
}

/** The identity of a cell in expectation files: peer/role/version/suite/keyType[/clientAuth][/resumption]. */
export function cellKey(c: Pick<Cell, 'peer' | 'peerRole' | 'version' | 'keyType' | 'clientAuth' | 'resumption' | 'hrr' | 'pq' | 'earlyData'> & { suite: { name: string } | string }): string {
  const suite = typeof c.suite === 'string' ? c.suite : c.suite.name;
  return [
    c.peer, c.peerRole, c.version, suite, c.keyType,
    ...(c.clientAuth ? ['clientAuth'] : []), ...(c.resumption ? ['resumption'] : []), ...(c.hrr ? ['hrr'] : []), ...(c.pq ? ['pq'] : []), ...(c.earlyData ? ['earlyData'] : []),
  ].join('/');
}

/** Parse --suite values: IANA names (TLS_ prefix optional), OpenSSL names, or substrings like CHACHA20 or DHE_RSA. */
export function parseSuites(list: string[]): CipherSuite[] {
  const out = new Set<CipherSuite>();
  for (const item of list) {
    const exact = suiteByName(item);
    const matches = exact ? [exact] : ALL_CIPHER_SUITES.filter((s) => s.name.includes(item.toUpperCase()));
    if (matches.length === 0) throw new Error(`--suite ${item}: no such suite`);
    for (const s of matches) out.add(s);
  }
  return ALL_CIPHER_SUITES.filter((s) => out.has(s));
}

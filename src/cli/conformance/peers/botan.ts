/**
 * Botan 2 (Debian botan): `botan tls_server` (a line echo server) and `botan tls_client`, both directions.
 * A cell is pinned with a policy file allowing one version, cipher, MAC and key exchange. The CLI has no
 * options for client certificates (neither sending one nor requesting one), so client-auth cells are unsupported.
 */
import path from 'node:path';
import type { Cell, PeerDriver, WorkDir } from '../types.js';
import type { Tls12Suite } from '../../../crypto/suites.js';
import { commandExists, firstLine } from '../proc.js';
import { loadPki, SERVER_NAME } from '../pki.js';
import { oneAfterOther, processClient, SECOND_CONNECTION, secondConnectionOutput, serverOnFreePort } from './common.js';

const CIPHER: Record<Tls12Suite['cipher'], string> = {
  AES_128_GCM: 'AES-128/GCM',
  AES_256_GCM: 'AES-256/GCM',
  CHACHA20_POLY1305: 'ChaCha20Poly1305',
  AES_128_CBC: 'AES-128',
  AES_256_CBC: 'AES-256',
};
const MAC = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384' } as const;

/** Botan's TLS policy text format (key=value lines); see Botan's Text_Policy. */
export function botanPolicy(cell: Cell): string {
  const s = cell.suite;
  if (s.protocol !== 'tls12') throw new Error('Botan 2 has no TLS 1.3');
  const kx = s.kx === 'ECDHE' ? 'ECDH' : s.kx === 'DHE' ? 'DH' : 'RSA';
  // Static RSA suites authenticate implicitly; the certificate's own signature method stays allowed so a client
  // still sends signature_algorithms (OpenSSL refuses a TLS 1.2 hello without one it can use).
  const sig = s.kx === 'RSA' ? 'RSA IMPLICIT' : s.auth;
  return [
    `allow_tls10=${cell.version === 'TLSv1'}`,
    `allow_tls11=${cell.version === 'TLSv1.1'}`,
    `allow_tls12=${cell.version === 'TLSv1.2'}`,
    'allow_dtls10=false',
    'allow_dtls12=false',
    `ciphers=${CIPHER[s.cipher]}`,
    `macs=${s.mac ? MAC[s.mac] : 'AEAD'}`,
    `key_exchange_methods=${kx}`,
    `signature_methods=${sig}`,
    '',
  ].join('\n');
}

const noClientCerts = (cell: Cell): string | null =>
  cell.version === 'TLSv1.3'
    ? 'Botan 2 has no TLS 1.3 (it came in Botan 3)'
    : cell.clientAuth
      ? 'botan tls_server/tls_client (2.19 CLI) have no client-certificate options'
      : null;

function policyFile(cell: Cell, work: WorkDir): string {
  return work.file('botan-policy.txt', botanPolicy(cell));
}

export const botan: PeerDriver = {
  name: 'botan',
  missing: () => (commandExists('botan') ? null : 'botan not found (apt-get install botan)'),
  version: () => `Botan ${firstLine('botan', ['version'])}`,
  server: {
    unsupported: noClientCerts,
    start(cell, work) {
      const id = loadPki().server[cell.keyType];
      const policy = policyFile(cell, work);
      // tls_server binds every interface (no address option); we reach it on 127.0.0.1 only.
      return serverOnFreePort(
        (port) => ({ cmd: 'botan', args: ['tls_server', id.chainPath, id.keyPath, `--port=${port}`, `--policy=${policy}`] }),
        /Listening for new connections on tcp port \d+/,
        'echo',
        { probe: true },
      );
    },
  },
  client: {
    unsupported: noClientCerts,
    // tls_client prints the validation result and carries on whatever it is.
    verified: (output) => /Certificate validation status: Verified/.test(output),
    start: (cell, port, line, work) => processClient('botan', clientArgs(cell, port, work), line),
    resume: {
      // tls_client prints no resumption flag. A full handshake always prints the validation status of our chain; an
      // abbreviated one has no certificate to validate and ends with the first run's session id.
      reused(output) {
        const second = secondConnectionOutput(output);
        const id = (text: string) => /^Session ID ([0-9A-F]+)$/m.exec(text)?.[1];
        const first = output.slice(0, output.indexOf(SECOND_CONNECTION));
        return /Handshake complete/.test(second) && !/Certificate validation status/.test(second) && id(second) !== undefined && id(second) === id(first);
      },
      start(cell, port, line, work) {
        // One run is one connection; the session crosses runs in Botan's (SQLite) session database.
        const db = [`--session-db=${path.join(work.path, 'sessions.db')}`, '--session-db-pass=conformance'];
        const run = () => processClient('botan', [...clientArgs(cell, port, work), ...db], line);
        return oneAfterOther(run, run);
      },
    },
  },
};

function clientArgs(cell: Cell, port: number, work: WorkDir): string[] {
  // The host argument is also the name checked against our certificate; localhost resolves to 127.0.0.1.
  // tls_client offers TLS 1.2 unless told otherwise; the policy alone does not lower it.
  const versionFlag = ({ TLSv1: ['--tls1.0'], 'TLSv1.1': ['--tls1.1'], 'TLSv1.2': [], 'TLSv1.3': [] } as Record<string, string[]>)[cell.version]!;
  return ['tls_client', SERVER_NAME, `--port=${port}`, ...versionFlag, `--policy=${policyFile(cell, work)}`, `--trusted-cas=${loadPki().caPath}`, '--skip-system-cert-store'];
}

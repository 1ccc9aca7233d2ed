/**
 * GnuTLS: `gnutls-serv --http` and `gnutls-cli`, both directions. A cell is pinned with a priority string that
 * allows exactly one version, cipher, MAC and key exchange, which together name one suite.
 */
import type { Cell, PeerDriver } from '../types.js';
import type { CipherSuite, Tls12Suite } from '../../../crypto/suites.js';
import { commandExists, firstLine, HOST } from '../proc.js';
import { loadPki, SERVER_NAME } from '../pki.js';
import { processClient, serverOnFreePort } from './common.js';

const CIPHER: Record<CipherSuite['cipher'], string> = {
  AES_128_GCM: 'AES-128-GCM',
  AES_256_GCM: 'AES-256-GCM',
  CHACHA20_POLY1305: 'CHACHA20-POLY1305',
  AES_128_CBC: 'AES-128-CBC',
  AES_256_CBC: 'AES-256-CBC',
};
const MAC = { sha1: 'SHA1', sha256: 'SHA256', sha384: 'SHA384' } as const;
const VERSION = { TLSv1: 'VERS-TLS1.0', 'TLSv1.1': 'VERS-TLS1.1', 'TLSv1.2': 'VERS-TLS1.2', 'TLSv1.3': 'VERS-TLS1.3' } as const;

function kx(s: Tls12Suite): string {
  if (s.kx === 'RSA') return 'RSA';
  return s.kx === 'DHE' ? 'DHE-RSA' : `ECDHE-${s.auth}`;
}

/** TLS 1.3 groups: the HelloRetryRequest cells pin the server to secp384r1 and let the client start elsewhere. */
function groups13(cell: Cell, side: 'server' | 'client'): string[] {
  if (!cell.hrr) return [];
  return side === 'server' ? ['-GROUP-ALL', '+GROUP-SECP384R1'] : ['-GROUP-ALL', '+GROUP-X25519', '+GROUP-SECP384R1'];
}

export function gnutlsPriority(cell: Cell, side: 'server' | 'client' = 'server'): string {
  const s = cell.suite;
  if (s.protocol === 'tls13') {
    // A 1.3 suite is its AEAD and hash; key exchange and signatures are negotiated apart.
    return ['NORMAL', '-VERS-ALL', '+VERS-TLS1.3', '-CIPHER-ALL', `+${CIPHER[s.cipher]}`, '-MAC-ALL', '+AEAD', ...groups13(cell, side)].join(':');
  }
  return [
    'NORMAL', '-VERS-ALL', `+${VERSION[cell.version]}`, '-CIPHER-ALL', `+${CIPHER[s.cipher]}`,
    '-MAC-ALL', `+${s.mac ? MAC[s.mac] : 'AEAD'}`, '-KX-ALL', `+${kx(s)}`,
    // TLS 1.0/1.1 sign with SHA-1 (ECDSA) or MD5+SHA-1 (RSA): let them through for those versions.
    ...(cell.version === 'TLSv1.2' ? [] : ['%VERIFY_ALLOW_SIGN_WITH_SHA1']),
  ].join(':');
}

export const gnutls: PeerDriver = {
  name: 'gnutls',
  missing: () => (commandExists('gnutls-serv') && commandExists('gnutls-cli') ? null : 'gnutls-serv/gnutls-cli not found (apt-get install gnutls-bin)'),
  version: () => firstLine('gnutls-cli', ['--version']),
  server: {
    unsupported: () => null,
    start(cell) {
      const pki = loadPki();
      const id = pki.server[cell.keyType];
      // gnutls-serv has no bind-address option: it listens on every interface; we reach it on 127.0.0.1 only.
      return serverOnFreePort(
        (port) => ({
          cmd: 'gnutls-serv',
          args: [
            '--http', '-p', String(port), '--priority', gnutlsPriority(cell), '--x509certfile', id.chainPath, '--x509keyfile', id.keyPath,
            ...(cell.clientAuth ? ['--require-client-cert', '--verify-client-cert', '--x509cafile', pki.caPath] : []),
          ],
        }),
        /listening on .*port \d+\.\.\.done/i,
        'http',
        { path: '/' },
      );
    },
  },
  client: {
    unsupported: () => null,
    start: (cell, port, line) => processClient('gnutls-cli', clientArgs(cell, port), line),
    resume: {
      // --resume handshakes, closes, reconnects offering that session, and only then reads our line from stdin.
      handshakeOnlyFirst: true,
      reused: (output) => /\*\*\* This is a resumed session/.test(output),
      // In TLS 1.3 the ticket comes after the handshake; --waitresumption makes gnutls-cli wait for it instead of
      // reconnecting after a short poll (which, on a loaded machine, often reconnected without one).
      start: (cell, port, line) => processClient('gnutls-cli', [...clientArgs(cell, port), '--resume', ...(cell.version === 'TLSv1.3' ? ['--waitresumption'] : [])], line),
    },
  },
};

function clientArgs(cell: Cell, port: number): string[] {
  const pki = loadPki();
  const id = pki.client[cell.keyType];
  return [
    HOST, '-p', String(port), '--priority', gnutlsPriority(cell, 'client'), '--x509cafile', pki.caPath,
    '--sni-hostname', SERVER_NAME, '--verify-hostname', SERVER_NAME,
    ...(cell.clientAuth ? ['--x509certfile', id.chainPath, '--x509keyfile', id.keyPath] : []),
  ];
}

/** OpenSSL 3: `openssl s_server -www` (HTTP status page) and `openssl s_client`, both directions, every suite. */
import type { Cell, PeerDriver } from '../types.js';
import { commandExists, firstLine, HOST, start } from '../proc.js';
import { loadPki, SERVER_NAME } from '../pki.js';
import { OPENSSL_VERSION_FLAG, opensslCipherString, processClient, serverOf } from './common.js';

const OPENSSL = process.env.OPENSSL ?? 'openssl';

function identityArgs(cell: Cell, side: 'server' | 'client'): string[] {
  const pki = loadPki();
  const id = pki[side][cell.keyType];
  return ['-cert', id.certPath, '-key', id.keyPath, '-cert_chain', pki.intermediatePath];
}

export const openssl: PeerDriver = {
  name: 'openssl',
  missing: () => (commandExists(OPENSSL) ? null : `${OPENSSL} not found (apt-get install openssl)`),
  version: () => firstLine(OPENSSL, ['version']),
  server: {
    unsupported: () => null,
    async start(cell) {
      const pki = loadPki();
      // -accept HOST:0 binds an ephemeral port and prints "ACCEPT host:port" once listening.
      const args = ['s_server', '-accept', `${HOST}:0`, '-www', OPENSSL_VERSION_FLAG[cell.version], '-cipher', opensslCipherString(cell), ...identityArgs(cell, 'server')];
      if (cell.clientAuth) args.push('-Verify', '3', '-CAfile', pki.caPath, '-verify_return_error');
      const p = start(OPENSSL, args);
      try {
        const m = await p.waitFor(/^ACCEPT\s+\S*?:(\d+)\s*$/m, 10000);
        return serverOf(p, Number(m[1]), 'http', '/');
      } catch (e) {
        await p.stop();
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n${p.output()}`);
      }
    },
  },
  client: {
    unsupported: () => null,
    start(cell, port, line) {
      const pki = loadPki();
      const args = [
        's_client', '-connect', `${HOST}:${port}`, '-servername', SERVER_NAME, '-verify_hostname', SERVER_NAME,
        '-CAfile', pki.caPath, '-verify_return_error', '-quiet',
        OPENSSL_VERSION_FLAG[cell.version], '-cipher', opensslCipherString(cell),
      ];
      if (cell.clientAuth) args.push(...identityArgs(cell, 'client'));
      return processClient(OPENSSL, args, line);
    },
  },
};

/** OpenSSL 3: `openssl s_server -www` (HTTP status page) and `openssl s_client`, both directions, every suite. */
import path from 'node:path';
import type { Cell, PeerDriver } from '../types.js';
import { commandExists, firstLine, HOST, start } from '../proc.js';
import { loadPki, SERVER_NAME } from '../pki.js';
import { oneAfterOther, OPENSSL_VERSION_FLAG, opensslSuiteArgs, processClient, secondConnectionOutput, serverOf } from './common.js';

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
    // With -early_data s_server prints "Early data received:" only when it read early data (the first connection of
    // the cell sends none); the bytes go out raw and the marker through a buffered BIO, so their order is not fixed.
    earlyDataReceived: (output, line) => /Early data received:/.test(output) && output.includes(line),
    async start(cell) {
      const pki = loadPki();
      // -accept HOST:0 binds an ephemeral port and prints "ACCEPT host:port" once listening. 0-RTT cells: no -www
      // (its HTTP mode reads no early data); s_server then prints what it reads.
      const mode = cell.earlyData ? ['-early_data'] : ['-www'];
      const args = ['s_server', '-accept', `${HOST}:0`, ...mode, OPENSSL_VERSION_FLAG[cell.version], ...opensslSuiteArgs(cell, 'server'), ...identityArgs(cell, 'server')];
      if (cell.clientAuth) args.push('-Verify', '3', '-CAfile', pki.caPath, '-verify_return_error');
      const p = start(OPENSSL, args);
      try {
        const m = await p.waitFor(/^ACCEPT\s+\S*?:(\d+)\s*$/m, 10000);
        return cell.earlyData ? serverOf(p, Number(m[1]), 'print') : serverOf(p, Number(m[1]), 'http', '/');
      } catch (e) {
        await p.stop();
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n${p.output()}`);
      }
    },
  },
  client: {
    unsupported: () => null,
    start: (cell, port, line) => processClient(OPENSSL, [...opensslClientArgs(cell, port), '-quiet'], line),
    resume: {
      // -quiet would hide the session summary: "New, TLSv1.2, Cipher is ..." or "Reused, ...".
      reused: (output) => /^Reused, /m.test(secondConnectionOutput(output)),
      earlyDataAccepted: (output) => /^Early data was accepted/m.test(secondConnectionOutput(output)),
      start(cell, port, line, work) {
        // The session (with its ticket, when we issued one) goes through a file from one run to the next.
        // -ign_eof: stay until we close, and read no commands (Q, R) from the data line.
        const sess = path.join(work.path, 'session.pem');
        // 0-RTT cells: the second run sends the line as early data (and nothing on stdin).
        const early = cell.earlyData ? ['-early_data', work.file('early.txt', line)] : [];
        return oneAfterOther(
          () => processClient(OPENSSL, [...opensslClientArgs(cell, port), '-ign_eof', '-sess_out', sess], line),
          () => processClient(OPENSSL, [...opensslClientArgs(cell, port), '-ign_eof', '-sess_in', sess, ...early], cell.earlyData ? '' : line),
        );
      },
    },
  },
};

/** s_client pinned to the cell, verifying us against ca.pem as `localhost`, with a client certificate in client-auth cells. */
export function opensslClientArgs(cell: Cell, port: number): string[] {
  const pki = loadPki();
  return [
    's_client', '-connect', `${HOST}:${port}`, '-servername', SERVER_NAME, '-verify_hostname', SERVER_NAME,
    '-CAfile', pki.caPath, '-verify_return_error',
    OPENSSL_VERSION_FLAG[cell.version], ...opensslSuiteArgs(cell, 'client'),
    ...(cell.clientAuth ? identityArgs(cell, 'client') : []),
  ];
}

/**
 * Node's own `tls` module (its bundled OpenSSL), in this process: a TLS echo server, and a client that sends a
 * line and collects what comes back. Both directions, client certificates included.
 */
import tls from 'node:tls';
import type { Cell, PeerClientRun, PeerDriver, PeerServer } from '../types.js';
import { HOST } from '../proc.js';
import { loadPki, SERVER_NAME } from '../pki.js';
import { oneAfterOther, secondConnectionOutput } from './common.js';

function options(cell: Cell, side: 'server' | 'client') {
  return {
    minVersion: cell.version,
    maxVersion: cell.version,
    // TLS 1.0/1.1 need security level 0 in OpenSSL 3 (SHA-1 and MD5+SHA-1 signatures). Node takes TLS 1.3 suites
    // (TLS_ names) in the same list, and keeps its default 1.3 suites when none is named.
    ciphers: cell.version === 'TLSv1.2' || cell.version === 'TLSv1.3' ? cell.suite.openssl : `${cell.suite.openssl}:@SECLEVEL=0`,
    // HelloRetryRequest cells: the server takes only secp384r1, the client sends its first share for X25519.
    ...(cell.hrr ? { ecdhCurve: side === 'server' ? 'secp384r1' : 'X25519:secp384r1' } : {}),
    ca: loadPki().ca,
  } satisfies tls.CommonConnectionOptions & tls.SecureContextOptions;
}

export const node: PeerDriver = {
  name: 'node',
  missing: () => null,
  version: () => `Node ${process.version} (OpenSSL ${process.versions.openssl})`,
  server: {
    unsupported: () => null,
    start(cell) {
      const id = loadPki().server[cell.keyType];
      let log = '';
      const server = tls.createServer(
        // dhparam 'auto': without it Node's server offers no DHE suite at all.
        { ...options(cell, 'server'), cert: id.chain, key: id.key, dhparam: 'auto', requestCert: cell.clientAuth, rejectUnauthorized: cell.clientAuth },
        (sock) => {
        sock.on('data', (d: Buffer) => sock.write(d));
        sock.on('end', () => sock.end());
        sock.on('error', (e) => (log += `socket: ${e.message}\n`));
        },
      );
      server.on('tlsClientError', (e) => (log += `tlsClientError: ${e.message}\n`));
      return new Promise<PeerServer>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, HOST, () => {
          const port = (server.address() as { port: number }).port;
          resolve({ port, app: 'echo', output: () => log, stop: () => new Promise<void>((r) => server.close(() => r())) });
        });
      });
    },
  },
  client: {
    unsupported: () => null,
    start: (cell, port, line) => nodeClient(cell, port, line),
    resume: {
      reused: (output) => /reused=true/.test(secondConnectionOutput(output)),
      start(cell, port, line) {
        // The session object of the first connection's 'session' event is offered by the second.
        let session: Buffer | undefined;
        return oneAfterOther(
          () => nodeClient(cell, port, line, { onSession: (s) => (session = s) }),
          () => nodeClient(cell, port, line, session ? { session } : {}),
        );
      },
    },
  },
};

function nodeClient(cell: Cell, port: number, line: string, resume: { session?: Buffer; onSession?: (s: Buffer) => void } = {}): PeerClientRun {
  const pki = loadPki();
  const id = pki.client[cell.keyType];
  let log = '';
  const sock = tls.connect({
    ...options(cell, 'client'),
    host: HOST,
    port,
    servername: SERVER_NAME,
    ...(cell.clientAuth ? { cert: id.chain, key: id.key } : {}),
    ...(resume.session ? { session: resume.session } : {}),
  });
  if (resume.onSession) sock.on('session', resume.onSession);
  sock.on('secureConnect', () => {
    log += `secureConnect ${sock.getProtocol()} ${sock.getCipher().standardName} authorized=${sock.authorized} reused=${sock.isSessionReused()}\n`;
    sock.write(line);
  });
  sock.on('data', (d: Buffer) => (log += d.toString('latin1')));
  const exited = new Promise<number | null>((resolve) => {
    sock.on('error', (e) => (log += `\nerror: ${e.message}\n`));
    sock.on('close', (hadError) => resolve(hadError ? 1 : 0));
  });
  return {
    output: () => log,
    exited,
    endInput: () => void sock.end(),
    stop: async () => {
      sock.destroy();
      await exited;
    },
  };
}

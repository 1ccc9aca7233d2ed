/**
 * Chromium (headless, `--dump-dom`) as a TLS 1.3 client of puretls: the one peer here with ML-KEM, which it offers
 * by default as X25519MLKEM768 beside x25519, so it carries the post-quantum cells (Cell.pq). It runs TLS 1.3
 * cells only: its command line cannot pin a TLS 1.2 suite, and it has no client-certificate option.
 *
 * It verifies us by pinning: `--ignore-certificate-errors-spki-list` names the SHA-256 of the leaf's public key, so
 * it accepts our certificate and no other (the test root is not in its store). Name resolution maps `localhost` to
 * 127.0.0.1 and every other name to nothing, so the browser reaches nothing but loopback.
 */
import { createHash, X509Certificate } from 'node:crypto';
import path from 'node:path';
import type { Cell, PeerDriver } from '../types.js';
import { commandExists, firstLine, HOST } from '../proc.js';
import { loadPki, SERVER_NAME } from '../pki.js';
import { processClient } from './common.js';

const CHROMIUM = process.env.CHROMIUM ?? 'chromium';

/** base64(SHA-256(SubjectPublicKeyInfo)) of the cell's server leaf, as Chromium's SPKI pin list takes it. */
function spkiPin(cell: Cell): string {
  const leaf = new X509Certificate(loadPki().server[cell.keyType].chain);
  return createHash('sha256').update(leaf.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

export const chromium: PeerDriver = {
  name: 'chromium',
  missing: () => (commandExists(CHROMIUM) ? null : `${CHROMIUM} not found (bash scripts/install-browser.sh)`),
  version: () => firstLine(CHROMIUM, ['--version']).replace(/^.*?(Chromium \S+).*$/, '$1'),
  pq: ['client'],
  // A page cannot carry a session from one run to the next: no resumption cells.
  runs: (cell) => cell.version === 'TLSv1.3' && cell.peerRole === 'client' && !cell.resumption,
  client: {
    http: true,
    unsupported: (cell) => (cell.clientAuth ? "Chromium's command line has no client-certificate option" : null),
    start(cell, port, line, work) {
      const url = `https://${SERVER_NAME}:${port}/${line.trim().replace(/ /g, '-')}`;
      return processClient(
        CHROMIUM,
        [
          '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--disable-background-networking',
          '--disable-component-update', '--disable-default-apps', '--disable-extensions', '--no-proxy-server',
          `--user-data-dir=${path.join(work.path, 'chromium-profile')}`,
          `--host-resolver-rules=MAP ${SERVER_NAME} ${HOST}, MAP * ~NOTFOUND`,
          `--ssl-version-min=tls1.3`,
          `--ignore-certificate-errors-spki-list=${spkiPin(cell)}`,
          '--dump-dom', url,
        ],
        '',
      );
    },
  },
};

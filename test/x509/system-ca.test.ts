import { describe, it, expect, afterEach } from 'vitest';
import path from 'node:path';
import { loadSystemCa } from '../../src/transport/node-system-ca.js';
import { loadCertificates } from '../../src/x509/certificate.js';
import { repoRoot } from './helpers.js';

const saved = process.env.SSL_CERT_FILE;
afterEach(() => {
  if (saved === undefined) delete process.env.SSL_CERT_FILE;
  else process.env.SSL_CERT_FILE = saved;
});

describe('loadSystemCa', () => {
  it('reads SSL_CERT_FILE first', async () => {
    process.env.SSL_CERT_FILE = path.join(repoRoot, 'vectors/x509/root.pem');
    const ca = await loadSystemCa();
    expect(ca && loadCertificates(ca)[0]!.subject.rdns.at(-1)![0]!.value).toBe('puretls Test Root');
  });
  it('falls back to the usual bundle paths when SSL_CERT_FILE is missing', async () => {
    process.env.SSL_CERT_FILE = path.join(repoRoot, 'vectors/x509/does-not-exist.pem');
    const ca = await loadSystemCa();
    // Either a readable system bundle or null on a machine without one; never the missing file.
    expect(ca === null || loadCertificates(ca).length > 0).toBe(true);
  });
});

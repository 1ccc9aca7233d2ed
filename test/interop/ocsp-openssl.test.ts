/** OCSP stapling from `openssl s_server -status_file` (responses made by vectors/ocsp/make.sh) to our client. */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { opensslAvailable, startServer, stopAll } from '../helpers/openssl.js';
import { getPage } from '../helpers/client.js';
import { pki, repoRoot } from '../helpers/pki.js';

const has = opensslAvailable();
if (!has) console.warn('openssl not found: skipping OpenSSL OCSP tests');
afterAll(stopAll);

const vector = (f: string) => path.join(repoRoot, 'vectors/ocsp', f);

async function withStaple(file: string, opts: Parameters<typeof getPage>[1]) {
  const server = await startServer({
    cert: pki.serverRsa.certPath,
    key: pki.serverRsa.keyPath,
    chain: pki.intermediatePath,
    args: ['-www', '-tls1_2', '-status_file', vector(file)],
  });
  try {
    return await getPage(server.port, opts);
  } finally {
    await server.stop();
  }
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe.skipIf(!has)('stapled OCSP from openssl s_server', () => {
  it('good: verified, and exposed as connection.ocspResponse', async () => {
    const { conn, text } = await withStaple('good.der', { requestOcsp: true });
    expect(text).toContain('TLSv1.2');
    expect(conn.ocspResponse).toEqual(new Uint8Array(readFileSync(vector('good.der'))));
  });
  it('good from a delegated responder', async () => {
    const { conn } = await withStaple('delegated.der', { requestOcsp: true });
    expect(conn.verification).toEqual({ ok: true });
  });
  it('not asked: nothing stapled', async () => {
    const { conn } = await withStaple('good.der', {});
    expect(conn.ocspResponse).toBeUndefined();
  });
  it('revoked fails with cert_revoked', async () => {
    expect(await code(withStaple('revoked.der', { requestOcsp: true }))).toBe('cert_revoked');
  });
  it('wrong issuer fails with protocol_bad_certificate_status, or is recorded with verify optional', async () => {
    expect(await code(withStaple('wrong-issuer.der', { requestOcsp: true }))).toBe('protocol_bad_certificate_status');
    const { conn } = await withStaple('wrong-issuer.der', { requestOcsp: true, verify: 'optional' });
    expect(conn.verification).toMatchObject({ ok: false, code: 'protocol_bad_certificate_status' });
  });
});

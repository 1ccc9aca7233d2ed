/**
 * Private PKIs as openssl makes them, with the defaults (issue 18): a self-signed server certificate trusted directly
 * as `ca`, and a CA -> intermediate -> leaf chain whose leaf has no extendedKeyUsage, against openssl s_server.
 * The 'webpki' profile, asked for explicitly, refuses the self-signed CA certificate as a leaf (CA/B BR 7.1.2.7.8).
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { handshakeAndClose } from '../helpers/client.js';
import { opensslAvailable, startServer, stopAll } from '../helpers/openssl.js';
import { repoRoot } from '../helpers/pki.js';

const file = (f: string) => path.join(repoRoot, 'vectors/x509', f);

const handshake = handshakeAndClose;

describe.skipIf(!opensslAvailable())('private PKIs with the default verification settings (openssl s_server)', () => {
  afterAll(() => stopAll());

  it('trusts a self-signed server certificate given as ca (by name and by address)', async () => {
    const s = await startServer({ cert: file('selfsigned.pem'), key: file('selfsigned-key.pem'), args: ['-tls1_2', '-www'] });
    const ca = readFileSync(file('selfsigned.pem'), 'utf8');
    for (const serverName of ['localhost', '127.0.0.1']) {
      const conn = await handshake(s.port, { serverName, ca });
      expect(conn.verification, serverName).toEqual({ ok: true });
    }
    const err = await handshake(s.port, { serverName: 'localhost', ca, profile: 'webpki' }).catch((e) => e);
    expect(err.code).toBe('cert_ca_as_leaf');
    await s.stop();
  });

  it('verifies a CA -> intermediate -> leaf chain whose leaf has a SAN but no extendedKeyUsage', async () => {
    const s = await startServer({ cert: file('noeku.pem'), key: file('noeku-key.pem'), chain: file('inter.pem'), args: ['-tls1_2', '-www'] });
    const ca = readFileSync(file('root.pem'), 'utf8');
    const conn = await handshake(s.port, { serverName: 'noeku.example.com', ca });
    expect(conn.verification).toEqual({ ok: true });
    const strict = await handshake(s.port, { serverName: 'noeku.example.com', ca, profile: 'webpki' });
    expect(strict.verification).toEqual({ ok: true });
    await s.stop();
  });

  it('name constraints bind the CN of a SAN-less leaf, so a chain-only check never passes an unconstrained name', async () => {
    // The Python porting path: no name to check in the handshake (checkHostname: false, as wrapSocket without
    // serverHostname), then match_hostname on the CN. The chain itself must already fail.
    const ca = readFileSync(file('root.pem'), 'utf8');
    for (const [leaf, want] of [['cn-victim', 'cert_name_constraints'], ['cn-inside', 'ok']] as const) {
      const s = await startServer({ cert: file(`${leaf}.pem`), key: file(`${leaf}-key.pem`), chain: file('ncinter.pem'), args: ['-tls1_2', '-www'] });
      const got = await handshake(s.port, { ca, checkHostname: false }).then(() => 'ok', (e) => e.code);
      expect(got, leaf).toBe(want);
      await s.stop();
    }
  });
});

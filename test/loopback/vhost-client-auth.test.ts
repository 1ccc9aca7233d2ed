/**
 * Client-auth policy that must not be dropped (issue 15): a virtual host's whole policy when sniCallback returns a
 * ServerContext (finding 4), and the client certificate's keyUsage (finding 5).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createServerContext, type ServerContext } from '../../src/server.js';
import { handshake, ok, exchange, errCode, rsaServer } from './harness.js';
import { pki, repoRoot } from '../helpers/pki.js';

const withCert = { cert: pki.clientRsa.chain, key: pki.clientRsa.key };

describe('sniCallback returning a ServerContext: the whole virtual host policy applies', () => {
  it.each(['TLSv1.2', 'TLSv1.3'] as const)("a requestCert 'required' virtual host refuses a client without a certificate (%s)", async (maxVersion) => {
    const vhost = createServerContext({ ...rsaServer, requestCert: 'required', ca: pki.ca, alpnProtocols: ['h2'] });
    const front = { ...rsaServer, sniCallback: (name: string) => (name === 'localhost' ? vhost : undefined) };
    const anon = await handshake({ maxVersion }, front);
    expect(errCode(anon.server)).toBe('cert_no_certificate');
    if (maxVersion === 'TLSv1.2') expect(errCode(anon.client)).toBe('peer_alert_handshake_failure');
    else {
      // TLS 1.3: the client's handshake is over once it has sent its Finished; the refusal comes as the first read.
      await expect(ok(anon.client).readable.getReader().read()).rejects.toMatchObject({ code: 'peer_alert_certificate_required' });
    }
    const authed = await handshake({ ...withCert, alpnProtocols: ['h2', 'http/1.1'], maxVersion }, front);
    expect(ok(authed.client).version).toBe(maxVersion);
    expect(ok(authed.server).peerCertificateChain()).toHaveLength(2);
    expect(ok(authed.server).verification).toEqual({ ok: true });
    // Its other settings come along too.
    expect(ok(authed.server).alpnProtocol).toBe('h2');
    await exchange(ok(authed.client), ok(authed.server));
  });

  it("its CA set is the one client certificates are checked against", async () => {
    const vhost = createServerContext({ ...rsaServer, requestCert: 'required', ca: pki.caEcdsa });
    const o = await handshake(withCert, { ...rsaServer, requestCert: 'required', ca: pki.ca, sniCallback: () => vhost });
    expect(errCode(o.server)).toBe('cert_untrusted');
  });

  // TLS 1.2: TLS 1.3 resumption is issue 20's (a 1.3 connection makes no session yet).
  it('a session made on the front context is not resumed on a virtual host that requires client certificates (TLS 1.2)', async () => {
    const ticketKeys = [{ name: new Uint8Array(16).fill(1), key: new Uint8Array(32).fill(2) }];
    const vhost = createServerContext({ ...rsaServer, ticketKeys, requestCert: 'required', ca: pki.ca });
    let route: ServerContext | undefined;
    const front = createServerContext({ ...rsaServer, ticketKeys, sniCallback: () => route });
    const first = await handshake({ ...withCert, maxVersion: 'TLSv1.2' }, { context: front });
    expect(ok(first.server).peerCertificateChain()).toHaveLength(0);
    await exchange(ok(first.client), ok(first.server));
    route = vhost;
    const second = await handshake({ ...withCert, maxVersion: 'TLSv1.2', session: ok(first.client).session! }, { context: front });
    expect(ok(second.server).resumed).toBe(false);
    expect(ok(second.server).peerCertificateChain()).toHaveLength(2);
    await exchange(ok(second.client), ok(second.server));
    // Made on the virtual host, the session resumes there.
    const third = await handshake({ ...withCert, maxVersion: 'TLSv1.2', session: ok(second.client).session! }, { context: front });
    expect(ok(third.server).resumed).toBe(true);
    expect(ok(third.server).verification).toEqual({ ok: true });
    await exchange(ok(third.client), ok(third.server));
  });
});

describe('client certificate keyUsage (RFC 5280 §4.2.1.3)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-client-ku-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const f = (n: string) => path.join(dir, n);
  const pkiFile = (n: string) => path.join(repoRoot, 'vectors/pki', n);
  const openssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  /** A client certificate from the test intermediate, with the given keyUsage. */
  const issue = (name: string, keyUsage: string) => {
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`));
    openssl('req', '-new', '-key', f(`${name}.key`), '-subj', `/O=puretls test/CN=${name}`, '-out', f(`${name}.csr`));
    writeFileSync(f(`${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,${keyUsage}\nextendedKeyUsage=clientAuth\n`);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', pkiFile('intermediate.crt'), '-CAkey', pkiFile('intermediate.key'), '-set_serial', '0x7777', '-days', '30', '-sha256', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`));
    return { cert: readFileSync(f(`${name}.crt`), 'utf8') + pki.intermediate, key: readFileSync(f(`${name}.key`), 'utf8') };
  };

  it('a client certificate whose keyUsage lacks digitalSignature is refused; with it, accepted', async () => {
    const server = { ...rsaServer, requestCert: 'required' as const, ca: pki.ca };
    const bad = await handshake(issue('no-digital-signature', 'keyAgreement'), server);
    expect(errCode(bad.server)).toBe('cert_bad_key_usage');
    const good = await handshake(issue('digital-signature', 'digitalSignature'), server);
    expect(ok(good.server).verification).toEqual({ ok: true });
    await exchange(ok(good.client), ok(good.server));
  });

  it('the same in TLS 1.3', async () => {
    const server = { ...rsaServer, requestCert: 'required' as const, ca: pki.ca, maxVersion: 'TLSv1.3' as const };
    const bad = await handshake({ ...issue('no-digital-signature-13', 'keyAgreement'), maxVersion: 'TLSv1.3' }, server);
    expect(errCode(bad.server)).toBe('cert_bad_key_usage');
    const good = await handshake({ ...issue('digital-signature-13', 'digitalSignature'), maxVersion: 'TLSv1.3' }, server);
    expect(ok(good.server).version).toBe('TLSv1.3');
    expect(ok(good.server).verification).toEqual({ ok: true });
    await exchange(ok(good.client), ok(good.server));
  });
});

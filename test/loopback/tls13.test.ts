/**
 * Our TLS 1.3 client against our TLS 1.3 server over memory (no peers): every suite with RSA and ECDSA
 * certificates, every group of the table (RFC 7919 FFDHE up to 8192 bits included) with connection.group naming
 * it, HelloRetryRequest, client authentication, and the same traffic secrets on both sides (key log).
 */
import { describe, it, expect } from 'vitest';
import { duel, defaultClient, defaultServer, pki } from '../hostile/scripted.js';
import { TLS13 } from '../../src/crypto/suites.js';

const client13 = (o: Parameters<typeof defaultClient>[0] = {}) => defaultClient({ maxVersion: 'TLSv1.3', ...o });
const server13 = (o: Parameters<typeof defaultServer>[0] = {}) => defaultServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ...o });

async function both(c: ReturnType<typeof client13>, s: ReturnType<typeof server13>) {
  const d = await duel({ client: c, server: s });
  await d.pump();
  expect(d.client.error).toBeNull();
  expect(d.server.error).toBeNull();
  return { client: await d.client.handshake, server: await d.server.handshake };
}

describe('TLS 1.3 loopback', () => {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const) {
    for (const ecdsa of [false, true]) {
      it(`${suite} with an ${ecdsa ? 'ECDSA' : 'RSA'} certificate`, async () => {
        const r = await both(client13({ cipherSuites: [suite] }), server13({ ecdsa }));
        expect(r.server.version).toBe(TLS13);
        expect(r.server.suite.name).toBe(suite);
        expect(r.client.suite.name).toBe(suite);
        expect(r.client.exporterSecret).toEqual(r.server.exporterSecret);
      });
    }
  }

  for (const g of ['x25519', 'secp256r1', 'secp384r1', 'x448', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192'] as const) {
    it(`group ${g}: named by both sides`, async () => {
      const r = await both(client13({ groups: [g] }), server13({ groups: [g] }));
      expect(r.server.group).toBe(g);
      expect(r.client.group).toBe(g);
    });
  }

  it('HelloRetryRequest: a server taking only secp384r1, a client sharing x25519 first', async () => {
    const r = await both(client13({ groups: ['x25519', 'secp384r1'] }), server13({ groups: ['secp384r1'] }));
    expect(r.server.group).toBe('secp384r1');
    expect(r.client.group).toBe('secp384r1');
  });

  it('client authentication: the client chain reaches the server, verified', async () => {
    const r = await both(client13({ withClientCert: true }), server13({ requestCert: 'required', ca: pki.ca }));
    expect(r.server.peerChain.length).toBeGreaterThan(0);
    expect(r.server.verification).toEqual({ ok: true });
  });

  it('the key log lines of both sides agree (Wireshark gets the same secrets from either)', async () => {
    const lines: Record<'client' | 'server', string[]> = { client: [], server: [] };
    await both({ ...client13(), keyLog: (l: string) => lines.client.push(l) }, { ...server13(), keyLog: (l: string) => lines.server.push(l) });
    const labels = ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'];
    for (const side of ['client', 'server'] as const) expect(lines[side].map((l) => l.split(' ')[0]).sort()).toEqual([...labels].sort());
    expect([...lines.client].sort()).toEqual([...lines.server].sort());
  });
});

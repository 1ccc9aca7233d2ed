/**
 * The TLS 1.3 client's PSK resumption under a hostile server (RFC 8446 §4.2.11, §2.2): a scripted server
 * (test/hostile/server13.ts) that knows the PSK resumes a genuine handshake, after checking our binder; each other
 * test bends one thing the client must check: the selected identity, a PSK we never offered, the suite's hash,
 * a Certificate in a resumed handshake, early_data we did not send, a server without the key, psk_ke not offered.
 */
import { describe, expect, it } from 'vitest';
import { clientVsScripted13, serveScripted13, type Server13Script } from './server13.js';
import { connect } from '../../src/client.js';
import { createSessionStore } from '../../src/index.js';
import { memoryPair } from '../../src/transport/memory.js';
import { pki } from '../helpers/pki.js';
import { now } from '../../fuzz/scenarios.js';
import { GROUPS } from '../../src/crypto/kex.js';
import { base64Encode } from '../../src/pem.js';
import type { SessionPolicy, TlsSession } from '../../src/handshake/session.js';
import type { ClientHandshakeConfig } from '../../src/handshake/client.js';

const KEY = new Uint8Array(32).fill(0x5a);
const policy: SessionPolicy = { verifyMode: 'required', checkedName: 'localhost', trustAnchors: 'anchors', profile: 'rfc5280', minRsaBits: 2048, minDhBits: 2048, allowNonEmsResumption: false, signatureSchemes: [0x0804], ocsp: false };
const chain = ['AQID'];
const session: TlsSession = {
  version: 0x0304,
  cipherSuite: 0x1301,
  masterSecret: base64Encode(KEY),
  sessionId: '',
  ticket: base64Encode(Uint8Array.of(9, 8, 7, 6)),
  ticketLifetime: 3600,
  ticketAgeAdd: 0x01020304,
  extendedMasterSecret: true,
  serverName: 'localhost',
  peerChain: chain,
  createdAt: now().getTime() - 5000,
  verifyMode: 'required',
  verification: { ok: true },
  checkedName: 'localhost',
  trustAnchors: 'anchors',
  profile: 'rfc5280',
  minRsaBits: 2048,
  minDhBits: 2048,
  notAfter: now().getTime() + 86_400_000,
  signatureScheme: 0x0804,
};
const offering: Partial<ClientHandshakeConfig> = { session, sessionPolicy: async () => policy };

async function run(o: Server13Script, client: Partial<ClientHandshakeConfig> = offering) {
  return clientVsScripted13(o, 5, client);
}

describe('TLS 1.3 client: PSK resumption against a hostile server', () => {
  it('a server that knows the PSK resumes: no certificate, the session’s verification, a fresh key exchange', async () => {
    const { client, server } = await run({ psk: { key: KEY } });
    expect(server.error).toBeNull(); // our binder verified
    expect(client.state).toBe('open');
    const r = await client.handshake;
    expect(r.resumed).toBe(true);
    expect(r.verification).toEqual({ ok: true });
    expect(r.peerChain.map(base64Encode)).toEqual(chain);
    expect(r.group).toBeDefined(); // psk_dhe_ke: a fresh key exchange
  });

  it('after a HelloRetryRequest the second ClientHello offers the PSK with a binder over the new transcript', async () => {
    const { client, server } = await run({ psk: { key: KEY }, hrrGroup: GROUPS.secp256r1 });
    expect(server.error).toBeNull();
    expect(client.state).toBe('open');
    expect((await client.handshake).resumed).toBe(true);
  });

  it('a session whose policy does not satisfy the connection is not offered (a full handshake happens)', async () => {
    const { client } = await run({}, { session, sessionPolicy: async () => ({ ...policy, trustAnchors: 'other anchors' }) });
    expect(client.state).toBe('open');
    expect((await client.handshake).resumed).toBe(false);
  });

  it('an expired ticket is not offered', async () => {
    const { client } = await run({}, { ...offering, session: { ...session, createdAt: now().getTime() - 3601_000 } });
    expect((await client.handshake).resumed).toBe(false);
  });

  it('selected_identity out of range: illegal_parameter', async () => {
    const { client } = await run({ psk: { key: KEY, selectedIdentity: 1 } });
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_illegal_parameter');
    expect(client.error?.message).toMatch(/selected PSK 1/);
  });

  it('a server that selects a PSK we did not offer: illegal_parameter', async () => {
    const { client } = await run({ psk: { key: KEY } }, {});
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_illegal_parameter');
  });

  it('a suite whose hash is not the PSK’s (SHA-384 for a SHA-256 PSK): illegal_parameter', async () => {
    const { client } = await run({ psk: { key: KEY, suite: 0x1302 } });
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_illegal_parameter');
    expect(client.error?.message).toMatch(/sha256/);
  });

  it('a Certificate in a resumed handshake: unexpected_message', async () => {
    const { client } = await run({ psk: { key: KEY, sendCertificate: true } });
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_unexpected_message');
  });

  it('early_data accepted in EncryptedExtensions though we sent none: unsupported_extension', async () => {
    const { client } = await run({ psk: { key: KEY, acceptEarlyData: true } });
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_unsupported_extension');
  });

  const early = { ...offering, session: { ...session, maxEarlyData: 1000 }, earlyData: new Uint8Array(10) };

  it('early_data accepted after a HelloRetryRequest (only the first hello carried it): illegal_parameter', async () => {
    const { client, server } = await run({ psk: { key: KEY, acceptEarlyData: true }, hrrGroup: GROUPS.secp256r1, skipEarlyData: true }, early);
    expect(server.error?.code).not.toBe('crypto_bad_record_mac'); // the server skipped the early records
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_illegal_parameter');
    expect(client.error?.message).toMatch(/not sent with this ClientHello/);
  });

  it('early_data accepted with another suite than the ticket’s (same hash): illegal_parameter', async () => {
    const { client } = await run({ psk: { key: KEY, acceptEarlyData: true, suite: 0x1303 }, skipEarlyData: true }, early);
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_illegal_parameter');
    expect(client.error?.message).toMatch(/cipher suite/);
  });

  it('early data refused (no early_data in EncryptedExtensions): the handshake completes, the data is reported refused', async () => {
    const { client, server } = await run({ psk: { key: KEY }, skipEarlyData: true }, early);
    expect(server.error).toBeNull();
    expect(client.state).toBe('open');
    expect((await client.handshake).earlyDataAccepted).toBe(false);
  });

  it('a server without the PSK cannot finish the handshake: bad_record_mac on its first protected record', async () => {
    const { client } = await run({ psk: { key: new Uint8Array(32).fill(1) } }, { ...offering, session: { ...session } });
    expect(client.state).toBe('failed');
    expect(client.error).not.toBeNull();
  });

  it('no key_share (psk_ke) when we offered only psk_dhe_ke: missing_extension', async () => {
    const { client } = await run({ psk: { key: KEY, noKeyShare: true } });
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_missing_extension');
  });

  it('psk_ke when configured: resumes with no key_share', async () => {
    const { client } = await run({ psk: { key: KEY, noKeyShare: true } }, { ...offering, pskModes: ['psk_ke'] });
    expect(client.state).toBe('open');
    const r = await client.handshake;
    expect(r.resumed).toBe(true);
    expect(r.group).toBeUndefined();
  });

  it('a ticket sent with the server Finished (before ours, §4.6.1) still reaches the session store', async () => {
    const [a, b] = memoryPair();
    serveScripted13({ ticketWithFinished: true }, b);
    const sessionStore = createSessionStore();
    const conn = await connect({ transport: a, serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.3', sessionStore, now });
    expect(conn.session?.version).toBe(0x0304);
    expect(sessionStore.get('localhost')?.ticket).toBe(conn.session?.ticket);
    await conn.destroy();
  });
});

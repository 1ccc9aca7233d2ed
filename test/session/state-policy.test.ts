/**
 * A session carries what its full handshake relied on, so a resumed connection (which skips the certificate
 * messages) never gets further than a full handshake would at the same moment, under the same configuration:
 *  - expiry: the earliest notAfter of the verified path (client: the server's chain; server: the client's chain),
 *    checked against the connection's injected clock;
 *  - signature algorithms: the scheme the peer signed the handshake with, still allowed by signatureAlgorithms;
 *  - OCSP: a connection that asks for a staple resumes only a session whose good staple is still before nextUpdate;
 *  - sessions and tickets of older builds (no such facts): not offered / not resumed where the fact is needed.
 * puretls on both ends over memoryPair, TLS 1.2 and 1.3; the interop file session-policy-openssl.test.ts has the
 * same checks against OpenSSL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../../src/client.js';
import { accept, createServerContext, type ServerContext, type ServerOptions } from '../../src/server.js';
import { memoryPair } from '../../src/transport/memory.js';
import type { TlsConnection } from '../../src/connection.js';
import type { TlsSession } from '../../src/handshake/session.js';
import { clientAuthSatisfied, type ServerHandshakeConfig } from '../../src/handshake/server.js';
import { decodeSessionState, encodeSessionState, type ServerSessionState } from '../../src/handshake/tickets.js';
import { baseClient, exchange, rsaServer, type ClientOpts } from '../loopback/harness.js';
import { pki } from '../helpers/pki.js';
import { shortStaple } from '../helpers/ocsp-staple.js';

/** Every certificate of the test PKI expires at 2054-01-01T00:00:00Z (vectors/pki). */
const EXPIRY = Date.UTC(2054, 0, 1);
const MIN = 60_000;
const at = (ms: number) => () => new Date(ms);
const keys = [{ name: new Uint8Array(16).fill(3), key: new Uint8Array(32).fill(4) }];

type Version = 'TLSv1.2' | 'TLSv1.3';

interface Run {
  client?: TlsConnection;
  server?: TlsConnection;
  clientError?: string;
  serverError?: string;
  /** The newest session the client has after data went both ways (TLS 1.3: the last ticket). */
  session?: TlsSession;
}

async function run(ctx: ServerContext, version: Version, c: ClientOpts, serverNow?: () => Date): Promise<Run> {
  const [a, b] = memoryPair();
  const [cr, sr] = await Promise.allSettled([
    connect({ ...baseClient, maxVersion: version, ...c, transport: a }),
    accept({ context: ctx, transport: b, ...(serverNow ? { now: serverNow } : {}) }),
  ]);
  const out: Run = {};
  if (cr.status === 'rejected') out.clientError = (cr.reason as { code?: string }).code;
  if (sr.status === 'rejected') out.serverError = (sr.reason as { code?: string }).code;
  if (cr.status === 'fulfilled' && sr.status === 'fulfilled') {
    let latest: TlsSession | undefined;
    cr.value.onSession((s) => (latest = s));
    await exchange(cr.value, sr.value);
    out.client = cr.value;
    out.server = sr.value;
    out.session = latest ?? cr.value.session;
  } else {
    await Promise.all([cr, sr].map((r) => (r.status === 'fulfilled' ? r.value.close().catch(() => {}) : undefined)));
  }
  return out;
}

const context = (o: Partial<ServerOptions> = {}) => createServerContext({ ...rsaServer, ticketKeys: keys, sessionTimeout: 86_400, ...o });

describe.each(['TLSv1.2', 'TLSv1.3'] as const)('%s', (version) => {
  describe('expiry of the peer certificate', () => {
    it('client: a session is not offered once a certificate of the verified path has expired (a full handshake then fails)', async () => {
      const ctx = context({ now: at(EXPIRY - 30 * MIN) });
      const first = await run(ctx, version, { now: at(EXPIRY - 30 * MIN) });
      expect(first.client!.resumed).toBe(false);
      const s = first.session!;
      expect(s.notAfter).toBe(EXPIRY);
      // Before the expiry: resumed (the control).
      const before = await run(ctx, version, { session: s, now: at(EXPIRY - 10 * MIN) });
      expect(before.client!.resumed).toBe(true);
      expect(before.session!.notAfter).toBe(EXPIRY); // a resumed connection's sessions keep it
      // After it: not offered, so the full handshake checks the chain and finds it expired.
      const after = await run(ctx, version, { session: version === 'TLSv1.3' ? before.session! : s, now: at(EXPIRY + 10 * MIN) });
      expect(after.clientError).toBe('cert_expired');
    });

    it('server: a client-authenticated session is not resumed once the client chain has expired (a full handshake then fails)', async () => {
      let serverClock = EXPIRY - 30 * MIN;
      const ctx = context({ requestCert: 'required', ca: pki.ca, now: () => new Date(serverClock) });
      // The client's clock stays before the expiry: it offers the session; only the server's view changes.
      const client = { cert: pki.clientRsa.chain, key: pki.clientRsa.key, now: at(EXPIRY - 30 * MIN) };
      const first = await run(ctx, version, client);
      expect(first.server!.verification).toEqual({ ok: true });
      serverClock = EXPIRY - 10 * MIN;
      const before = await run(ctx, version, { ...client, session: first.session! });
      expect(before.server!.resumed).toBe(true);
      // A ticket issued on the resumed connection carries the client path's expiry too (else it would not resume).
      const again = await run(ctx, version, { ...client, session: before.session! });
      expect(again.server!.resumed).toBe(true);
      serverClock = EXPIRY + 10 * MIN;
      const after = await run(ctx, version, { ...client, session: again.session! });
      expect(after.serverError).toBe('cert_expired');
    });
  });

  describe('signature algorithms', () => {
    const narrower = ['rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512', 'ecdsa_secp256r1_sha256', 'rsa_pkcs1_sha384'] as const;

    it('client: a session whose server signed with a scheme signatureAlgorithms now leaves out is not offered', async () => {
      const ctx = context();
      const first = await run(ctx, version, {});
      const s = first.session!;
      expect(s.signatureScheme).toBe(0x0804); // rsa_pss_rsae_sha256, our server's first choice for its RSA key
      const narrow = await run(ctx, version, { session: s, signatureAlgorithms: [...narrower] });
      expect(narrow.client!.resumed).toBe(false);
      // The control: a list that keeps the scheme resumes.
      const kept = await run(ctx, version, { session: narrow.session!, signatureAlgorithms: [...narrower] });
      expect(kept.session!.signatureScheme).toBe(0x0805);
      expect(kept.client!.resumed).toBe(true);
    });

    it('server: a client-authenticated session whose CertificateVerify scheme signatureAlgorithms now leaves out is not resumed', async () => {
      const auth = { requestCert: 'required' as const, ca: pki.ca };
      const client = { cert: pki.clientRsa.chain, key: pki.clientRsa.key };
      const first = await run(context(auth), version, client);
      expect(first.server!.verification).toEqual({ ok: true });
      // Same ticket keys and client-auth policy; only the accepted schemes differ.
      const narrow = context({ ...auth, signatureAlgorithms: [...narrower] });
      const r = await run(narrow, version, { ...client, session: first.session! });
      expect(r.server!.resumed).toBe(false);
      expect(r.server!.verification).toEqual({ ok: true });
      const again = await run(narrow, version, { ...client, session: r.session! });
      expect(again.server!.resumed).toBe(true);
    });
  });

  describe('sessions of older builds', () => {
    it('client: a verified session without notAfter is not offered to a verifying connection; verify none still offers it', async () => {
      const ctx = context();
      const first = await run(ctx, version, {});
      const { notAfter: _n, ...old } = first.session!;
      const verifying = await run(ctx, version, { session: old });
      expect(verifying.client!.resumed).toBe(false);
      const unverified = await run(ctx, version, { session: { ...old, verifyMode: 'none' }, verify: 'none' });
      expect(unverified.client!.resumed).toBe(true);
    });
  });
});

describe('server: ticket states of older formats', () => {
  const cfg = { clientAuth: 'required', clientAuthPolicy: 'p', signatureSchemes: [0x0804] } as unknown as ServerHandshakeConfig;
  const state: ServerSessionState = {
    version: 0x0303,
    cipherSuite: 0xc02f,
    masterSecret: new Uint8Array(48).fill(1),
    extendedMasterSecret: true,
    encryptThenMac: false,
    peerChain: [Uint8Array.of(1, 2, 3)],
    createdAt: EXPIRY - 60 * MIN,
    clientAuthPolicy: 'p',
    clientVerified: true,
    clientNotAfter: EXPIRY,
    clientSignatureScheme: 0x0804,
  };
  it('format 4 keeps the client path notAfter and scheme; formats 2 and 3 decode without them and are not resumed with a verified client', () => {
    const now = EXPIRY - 30 * MIN;
    const v4 = encodeSessionState(state);
    expect(v4[0]).toBe(4);
    const back = decodeSessionState(v4);
    expect(back).toMatchObject({ clientNotAfter: EXPIRY, clientSignatureScheme: 0x0804 });
    expect(clientAuthSatisfied(cfg, back, now)).toBe(true);
    expect(clientAuthSatisfied(cfg, back, EXPIRY + 1000)).toBe(false);
    expect(clientAuthSatisfied({ ...cfg, signatureSchemes: [0x0805] }, back, now)).toBe(false);
    // Format 3: the same bytes without the last 10 (u64 notAfter, u16 scheme).
    const v3 = v4.slice(0, v4.length - 10);
    v3[0] = 3;
    const old = decodeSessionState(v3);
    expect(old.clientNotAfter).toBeUndefined();
    expect(clientAuthSatisfied(cfg, old, now)).toBe(false);
    // Without a verified client certificate, nothing is needed from it.
    expect(clientAuthSatisfied({ ...cfg, clientAuth: 'none' } as ServerHandshakeConfig, { ...old, clientVerified: false, peerChain: [] }, now)).toBe(true);
  });
});

describe('OCSP: a connection that asks for a staple resumes only a session with a good staple still current', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-ocsp-session-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const staple = shortStaple(dir, 10).der;
  const t0 = Date.now();

  describe.each(['TLSv1.2', 'TLSv1.3'] as const)('%s', (version) => {
    it('past the staple’s nextUpdate the session is not offered (the full handshake then refuses the stale staple)', async () => {
      const ctx = context({ ocspResponse: staple });
      const first = await run(ctx, version, { requestOcsp: true, now: at(t0) });
      expect(first.client!.ocspResponse).toEqual(staple);
      const s = first.session!;
      expect(s.ocspNextUpdate).toBeGreaterThan(t0);
      expect(s.ocspNextUpdate).toBeLessThanOrEqual(t0 + 11 * MIN);
      const before = await run(ctx, version, { requestOcsp: true, session: s, now: at(t0 + 5 * MIN) });
      expect(before.client!.resumed).toBe(true);
      const after = await run(ctx, version, { requestOcsp: true, session: version === 'TLSv1.3' ? before.session! : s, now: at(t0 + 30 * MIN) });
      expect(after.clientError).toBe('protocol_bad_certificate_status');
    });

    it('a session made without a checked staple is not offered where one is asked for', async () => {
      const ctx = context({ ocspResponse: staple });
      const first = await run(ctx, version, { now: at(t0) });
      expect(first.session!.ocspNextUpdate).toBeUndefined();
      const asking = await run(ctx, version, { requestOcsp: true, session: first.session!, now: at(t0 + MIN) });
      expect(asking.client!.resumed).toBe(false);
      expect(asking.session!.ocspNextUpdate).toBeGreaterThan(t0);
      // A connection that does not ask still resumes it.
      const notAsking = await run(ctx, version, { session: version === 'TLSv1.3' ? (await run(ctx, version, { now: at(t0) })).session! : first.session!, now: at(t0 + MIN) });
      expect(notAsking.client!.resumed).toBe(true);
    });
  });
});

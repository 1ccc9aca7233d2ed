import type { CipherSuiteName } from '../../src/crypto/suites.js';
/**
 * Resumption between our client and our server over memoryPair: session ids and tickets, ticket key rotation,
 * everything that must fall back to a full handshake (suite, name, EMS, EtM, lifetime, unknown key, eviction),
 * and the client session store.
 */
import { describe, expect, it } from 'vitest';
import { connect, type ConnectOptions } from '../../src/client.js';
import { accept, createServerContext, type ServerContext, type ServerOptions } from '../../src/server.js';
import { memoryPair } from '../../src/transport/memory.js';
import type { TlsConnection } from '../../src/connection.js';
import type { TlsSession } from '../../src/handshake/session.js';
import { createSessionStore } from '../../src/handshake/session-cache.js';
import { sealTicket } from '../../src/handshake/tickets.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { defaultRandom } from '../../src/crypto/random.js';
import { base64Decode, base64Encode } from '../../src/pem.js';
import { exchange, rsaServer } from '../loopback/harness.js';
import { pki } from '../helpers/pki.js';

type ClientOpts = Omit<ConnectOptions, 'transport'>;

/** A clock the test moves by hand. */
function clock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

function context(o: Partial<ServerOptions> = {}): ServerContext {
  return createServerContext({ ...rsaServer, ...o });
}

async function run(ctx: ServerContext, c: ClientOpts = {}): Promise<{ client: TlsConnection; server: TlsConnection }> {
  const [a, b] = memoryPair();
  const [client, server] = await Promise.all([
    // Session resumption here is TLS 1.2's (session ids, RFC 5077 tickets); 1.3 PSK resumption is not offered yet.
    connect({ ca: pki.ca, serverName: 'localhost', maxVersion: 'TLSv1.2', ...c, transport: a }),
    accept({ context: ctx, transport: b }),
  ]);
  return { client, server };
}

/** A full handshake, then one offering its session: returns both second connections after exchanging data. */
async function twice(ctx: ServerContext, c: ClientOpts = {}, second: ClientOpts = {}) {
  const first = await run(ctx, c);
  await exchange(first.client, first.server);
  expect(first.client.resumed).toBe(false);
  const session = first.client.session!;
  expect(session).toBeDefined();
  const again = await run(ctx, { ...c, session, ...second });
  await exchange(again.client, again.server);
  return { first, again, session };
}

describe('resumption by session id', () => {
  it('resumes on both sides, keeps suite, ALPN and the peer chain, and offers no ticket', async () => {
    const ctx = context({ sessionTickets: false, alpnProtocols: ['h2'] });
    const { first, again, session } = await twice(ctx, { alpnProtocols: ['h2'] });
    expect(session.ticket).toBeUndefined();
    expect(base64Decode(session.sessionId)).toHaveLength(32);
    expect(again.client.resumed).toBe(true);
    expect(again.server.resumed).toBe(true);
    expect(again.client.cipherSuite).toBe(first.client.cipherSuite);
    expect(again.client.alpnProtocol).toBe('h2');
    expect(again.client.peerCertificateChain()).toEqual(first.client.peerCertificateChain());
    // The session survives JSON, as users keep it.
    expect(JSON.parse(JSON.stringify(session))).toEqual(session);
  });

  it('a context with no cache gives an empty session id and never resumes', async () => {
    const ctx = context({ sessionTickets: false, sessionCacheSize: 0 });
    const first = await run(ctx);
    expect(first.client.session).toBeUndefined();
    await exchange(first.client, first.server);
  });

  it('expires cache entries after sessionTimeout', async () => {
    const t = clock();
    const ctx = context({ sessionTickets: false, sessionTimeout: 60, now: t.now });
    const first = await run(ctx, { now: t.now });
    await exchange(first.client, first.server);
    t.advance(61_000);
    const again = await run(ctx, { now: t.now, session: first.client.session! });
    expect(again.client.resumed).toBe(false);
    expect(again.server.resumed).toBe(false);
    await exchange(again.client, again.server);
  });

  it('keeps at most sessionCacheSize sessions, least recently used out', async () => {
    const ctx = context({ sessionTickets: false, sessionCacheSize: 2 });
    const sessions: TlsSession[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await run(ctx);
      sessions.push(c.client.session!);
      await exchange(c.client, c.server);
    }
    // Touch the first: the second is now the least recently used.
    const touch = await run(ctx, { session: sessions[0]! });
    expect(touch.server.resumed).toBe(true);
    await exchange(touch.client, touch.server);
    const third = await run(ctx);
    await exchange(third.client, third.server);
    expect(ctx.handshake.sessionCache!.size).toBe(2);
    const a = await run(ctx, { session: sessions[0]! });
    const b = await run(ctx, { session: sessions[1]! });
    expect(a.server.resumed).toBe(true);
    expect(b.server.resumed).toBe(false);
    await Promise.all([exchange(a.client, a.server), exchange(b.client, b.server)]);
  });
});

describe('resumption by ticket (RFC 5077)', () => {
  it('resumes from the ticket alone (no server cache)', async () => {
    const ctx = context({ sessionCacheSize: 0 });
    const { again, session } = await twice(ctx);
    expect(session.ticket).toBeDefined();
    expect(session.ticketLifetime).toBe(7200);
    expect(again.client.resumed).toBe(true);
    expect(again.server.resumed).toBe(true);
    // Not renewed while the key is current.
    expect(again.client.session!.ticket).toBe(session.ticket);
  });

  it('another server with the same ticket keys resumes it (a server farm)', async () => {
    const keys = [{ name: new Uint8Array(16).fill(7), key: new Uint8Array(32).fill(9) }];
    const a = context({ ticketKeys: keys, sessionCacheSize: 0 });
    const b = context({ ticketKeys: keys, sessionCacheSize: 0 });
    const first = await run(a);
    await exchange(first.client, first.server);
    const again = await run(b, { session: first.client.session! });
    expect(again.server.resumed).toBe(true);
    // The key name leads the ticket.
    expect(base64Decode(first.client.session!.ticket!).subarray(0, 16)).toEqual(keys[0]!.name);
    await exchange(again.client, again.server);
  });

  it('rotation: an old key still opens its tickets and a new ticket is issued; a key rotated out is a full handshake', async () => {
    const ctx = context({ sessionCacheSize: 0 });
    const first = await run(ctx);
    await exchange(first.client, first.server);
    const old = first.client.session!;
    ctx.rotateTicketKeys();
    const renewed = await run(ctx, { session: old });
    expect(renewed.client.resumed).toBe(true);
    expect(renewed.client.session!.ticket).not.toBe(old.ticket);
    // The renewed ticket keeps the session's age: it does not extend its lifetime.
    expect(renewed.client.session!.createdAt).toBe(old.createdAt);
    await exchange(renewed.client, renewed.server);
    ctx.rotateTicketKeys();
    ctx.rotateTicketKeys();
    const gone = await run(ctx, { session: old });
    expect(gone.client.resumed).toBe(false);
    expect(gone.server.resumed).toBe(false);
    await exchange(gone.client, gone.server);
  });

  it('a ticket from an unknown key or with flipped bits is a clean full handshake', async () => {
    const other = context();
    const first = await run(other);
    await exchange(first.client, first.server);
    const ctx = context();
    const unknown = await run(ctx, { session: first.client.session! });
    expect(unknown.client.resumed).toBe(false);
    await exchange(unknown.client, unknown.server);
    const t = base64Decode(first.client.session!.ticket!);
    t[t.length - 1]! ^= 1;
    const forged = await run(other, { session: { ...first.client.session!, ticket: base64Encode(t), sessionId: '' } });
    expect(forged.client.resumed).toBe(false);
    await exchange(forged.client, forged.server);
  });

  it('expired tickets are not resumed by the server', async () => {
    const t = clock();
    const ctx = context({ sessionCacheSize: 0, sessionTimeout: 100, now: t.now });
    const first = await run(ctx, { now: t.now });
    await exchange(first.client, first.server);
    t.advance(101_000);
    // The client is made to offer it anyway (a larger lifetime hint).
    const again = await run(ctx, { now: t.now, session: { ...first.client.session!, ticketLifetime: 1000 } });
    expect(again.server.resumed).toBe(false);
    expect(again.client.resumed).toBe(false);
    await exchange(again.client, again.server);
  });

  it('the client does not offer a ticket past its lifetime hint', async () => {
    const t = clock();
    const ctx = context({ sessionCacheSize: 0, now: t.now });
    const first = await run(ctx, { now: t.now });
    await exchange(first.client, first.server);
    const session = { ...first.client.session!, ticketLifetime: 50, sessionId: '' };
    t.advance(49_000);
    const fresh = await run(ctx, { now: t.now, session });
    expect(fresh.client.resumed).toBe(true);
    await exchange(fresh.client, fresh.server);
    t.advance(2_000);
    // The server would still take it (its timeout is 7200 s): only the client's hint stops it.
    const stale = await run(ctx, { now: t.now, session });
    expect(stale.client.resumed).toBe(false);
    await exchange(stale.client, stale.server);
  });
});

describe('a session that no longer fits falls back to a full handshake', () => {
  it('a suite the server no longer allows', async () => {
    const keys = [{ name: new Uint8Array(16).fill(1), key: new Uint8Array(32).fill(2) }];
    const gcm = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256';
    const cbc = 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA';
    const a = context({ ticketKeys: keys, cipherSuites: [gcm, cbc] });
    const b = context({ ticketKeys: keys, cipherSuites: [cbc] });
    const first = await run(a);
    expect(first.client.cipherSuite).toBe(gcm);
    await exchange(first.client, first.server);
    const again = await run(b, { session: first.client.session! });
    expect(again.server.resumed).toBe(false);
    expect(again.client.cipherSuite).toBe(cbc);
    await exchange(again.client, again.server);
  });

  it('a different server name', async () => {
    const ctx = context();
    const first = await run(ctx);
    await exchange(first.client, first.server);
    // 127.0.0.1 is not sent as SNI: the ticket's name (localhost) no longer matches.
    const session = { ...first.client.session!, serverName: '127.0.0.1' };
    const again = await run(ctx, { serverName: '127.0.0.1', session });
    expect(again.server.resumed).toBe(false);
    expect(again.client.resumed).toBe(false);
    await exchange(again.client, again.server);
  });

  it('a session without extended master secret, offered with it (RFC 7627 §5.3)', async () => {
    const ctx = context({ sessionCacheSize: 0 });
    const first = await run(ctx);
    await exchange(first.client, first.server);
    const s = first.client.session!;
    const noEms = await sealTicket(nobleProvider, ctx.handshake.ticketKeys!, {
      version: s.version as 0x0303,
      cipherSuite: s.cipherSuite,
      masterSecret: base64Decode(s.masterSecret),
      extendedMasterSecret: false,
      encryptThenMac: false,
      serverName: 'localhost',
      peerChain: [],
      createdAt: s.createdAt,
      clientAuthPolicy: 'none',
      clientVerified: false,
    }, defaultRandom);
    const again = await run(ctx, { session: { ...s, ticket: base64Encode(noEms) } });
    expect(again.server.resumed).toBe(false);
    await exchange(again.client, again.server);
  });

  it('a session that used encrypt-then-MAC, offered without it (RFC 7366 §3.1); with it, EtM is kept', async () => {
    const cbc: CipherSuiteName[] = ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'];
    const ctx = context();
    const first = await run(ctx, { cipherSuites: cbc });
    await exchange(first.client, first.server);
    const kept = await run(ctx, { cipherSuites: cbc, session: first.client.session! });
    expect(kept.server.resumed).toBe(true);
    await exchange(kept.client, kept.server);
    const dropped = await run(ctx, { cipherSuites: cbc, encryptThenMac: false, session: first.client.session! });
    expect(dropped.server.resumed).toBe(false);
    await exchange(dropped.client, dropped.server);
  });

  it('a required client certificate that the session does not carry', async () => {
    const keys = [{ name: new Uint8Array(16).fill(3), key: new Uint8Array(32).fill(4) }];
    const open = context({ ticketKeys: keys });
    const strict = context({ ticketKeys: keys, requestCert: 'required', ca: pki.ca });
    const first = await run(open);
    await exchange(first.client, first.server);
    const c = { cert: pki.clientRsa.chain, key: pki.clientRsa.key, session: first.client.session! };
    const again = await run(strict, c);
    expect(again.server.resumed).toBe(false);
    expect(again.server.peerCertificateChain()).toHaveLength(2);
    await exchange(again.client, again.server);
    // A session made with the certificate resumes, and brings the verified chain back.
    const withCert = await run(strict, { ...c, session: again.client.session! });
    expect(withCert.server.resumed).toBe(true);
    expect(withCert.server.peerCertificateChain()).toEqual(again.server.peerCertificateChain());
    expect(withCert.server.verification).toEqual({ ok: true });
    await exchange(withCert.client, withCert.server);
  });
});

describe('client session store', () => {
  it('stores the session under the server name and offers it next time', async () => {
    const ctx = context();
    const store = createSessionStore({ maxEntries: 2 });
    const first = await run(ctx, { sessionStore: store });
    await exchange(first.client, first.server);
    expect(store.get('localhost')).toEqual(first.client.session);
    const again = await run(ctx, { sessionStore: store });
    expect(again.client.resumed).toBe(true);
    await exchange(again.client, again.server);
    // Another key is another server: nothing to offer.
    const other = await run(ctx, { sessionStore: store, sessionKey: 'localhost:8443' });
    expect(other.client.resumed).toBe(false);
    await exchange(other.client, other.server);
    expect(store.size).toBe(2);
  });

  it('is bounded, least recently used out; a plain Map works too', async () => {
    const store = createSessionStore({ maxEntries: 2 });
    const s = { sessionId: 'x' } as TlsSession;
    store.set('a', s);
    store.set('b', s);
    store.get('a');
    store.set('c', s);
    expect([store.get('a'), store.get('b'), store.get('c')]).toEqual([s, undefined, s]);
    const map = new Map<string, TlsSession>();
    const ctx = context();
    const first = await run(ctx, { sessionStore: map });
    await exchange(first.client, first.server);
    const again = await run(ctx, { sessionStore: map });
    expect(again.client.resumed).toBe(true);
    await exchange(again.client, again.server);
  });
});

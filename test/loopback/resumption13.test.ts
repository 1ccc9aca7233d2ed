/**
 * TLS 1.3 resumption and 0-RTT with puretls on both ends (memoryPair): our client's tickets from our server resume
 * (psk_dhe_ke, and psk_ke where both ends allow it), the early data is accepted and read first by the server, a
 * ticket used twice for early data gets it refused by the server's anti-replay (the client then sends it after the
 * handshake, so the server reads it once), and a session store hands out each ticket once.
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { accept, createServerContext, type ServerContext } from '../../src/server.js';
import { createSessionStore } from '../../src/index.js';
import { memoryPair } from '../../src/transport/memory.js';
import type { TlsConnection } from '../../src/connection.js';
import type { TlsSession } from '../../src/handshake/session.js';
import { baseClient, rsaServer, type ClientOpts } from './harness.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * One connection: the client writes `request` (unless it goes as earlyData), the server answers `ok:<what it read>`
 * once it has `request.length` bytes; the client reads the answer, which also takes in the server's tickets.
 */
async function session(ctx: ServerContext, c: ClientOpts, request: string) {
  const [a, b] = memoryPair();
  const serverSide = (async () => {
    const conn = await accept({ context: ctx, transport: b });
    const reader = conn.readable.getReader();
    let got = '';
    let first: string | undefined;
    while (got.length < request.length) {
      const r = await reader.read();
      if (r.done) break;
      first ??= dec.decode(r.value);
      got += dec.decode(r.value);
    }
    reader.releaseLock();
    const w = conn.writable.getWriter();
    await w.write(enc.encode(`ok:${got}`));
    w.releaseLock();
    return { conn, got, first };
  })();
  const client = await connect({ ...baseClient, maxVersion: 'TLSv1.3', ...c, transport: a });
  const sessions: TlsSession[] = [];
  client.onSession((s) => sessions.push(s));
  if (!c.earlyData) {
    const w = client.writable.getWriter();
    await w.write(enc.encode(request));
    w.releaseLock();
  }
  const reader = client.readable.getReader();
  let answer = '';
  while (answer.length < 3 + request.length) {
    const r = await reader.read();
    if (r.done) break;
    answer += dec.decode(r.value);
  }
  reader.releaseLock();
  const server = await serverSide;
  await Promise.all([client.close(), server.conn.close()]).catch(() => {});
  return { client, server: server.conn, got: server.got, first: server.first, answer, sessions };
}

const tickets = (x: { client: TlsConnection; sessions: TlsSession[] }) => (x.sessions.length ? x.sessions : x.client.session ? [x.client.session] : []);

describe('TLS 1.3 resumption, puretls ↔ puretls', () => {
  it('a ticket from our server resumes; verification is carried; both ends report resumed', async () => {
    const ctx = createServerContext({ ...rsaServer, maxVersion: 'TLSv1.3' });
    const first = await session(ctx, {}, 'hello one');
    expect(first.client.resumed).toBe(false);
    const s = tickets(first)[0]!;
    expect(s.version).toBe(0x0304);
    const again = await session(ctx, { session: s }, 'hello two');
    expect(again.client.resumed).toBe(true);
    expect(again.server.resumed).toBe(true);
    expect(again.client.verification).toEqual({ ok: true });
    expect(again.answer).toBe('ok:hello two');
  });

  it('0-RTT: the server accepts the early data and reads it first; both ends say so', async () => {
    const ctx = createServerContext({ ...rsaServer, maxVersion: 'TLSv1.3', maxEarlyData: 1024 });
    const first = await session(ctx, {}, 'warm-up');
    const s = tickets(first)[0]!;
    expect(s.maxEarlyData).toBe(1024);
    const req = 'GET /0rtt HTTP/1.1\r\n\r\n';
    const again = await session(ctx, { session: s, earlyData: enc.encode(req) }, req);
    expect(again.client.earlyDataAccepted).toBe(true);
    expect(again.server.earlyDataAccepted).toBe(true);
    expect(again.first).toBe(req);
    expect(again.got).toBe(req);
    expect(again.answer).toBe(`ok:${req}`);
  });

  it('the same ticket twice: the second early data is refused by anti-replay, sent after the handshake, read once', async () => {
    const ctx = createServerContext({ ...rsaServer, maxVersion: 'TLSv1.3', maxEarlyData: 1024 });
    const first = await session(ctx, {}, 'warm-up');
    const s = tickets(first)[0]!;
    const one = await session(ctx, { session: s, earlyData: enc.encode('first use') }, 'first use');
    expect(one.server.earlyDataAccepted).toBe(true);
    const two = await session(ctx, { session: s, earlyData: enc.encode('replayed!') }, 'replayed!');
    expect(two.client.earlyDataAccepted).toBe(false);
    expect(two.server.earlyDataAccepted).not.toBe(true);
    expect(two.got).toBe('replayed!');
    expect(two.answer).toBe('ok:replayed!');
  });

  it('early data larger than the ticket allows is not sent early; it goes after the handshake', async () => {
    const ctx = createServerContext({ ...rsaServer, maxVersion: 'TLSv1.3', maxEarlyData: 16 });
    const first = await session(ctx, {}, 'warm-up');
    const big = 'x'.repeat(40);
    const again = await session(ctx, { session: tickets(first)[0]!, earlyData: enc.encode(big) }, big);
    expect(again.client.resumed).toBe(true);
    expect(again.client.earlyDataAccepted).toBe(false);
    expect(again.got).toBe(big);
  });

  it('psk_ke where both ends allow it: resumed without a key exchange', async () => {
    const ctx = createServerContext({ ...rsaServer, maxVersion: 'TLSv1.3', pskKeyExchangeModes: ['psk_dhe_ke', 'psk_ke'] });
    const first = await session(ctx, {}, 'warm-up');
    const again = await session(ctx, { session: tickets(first)[0]!, pskModes: ['psk_ke'] }, 'no dhe');
    expect(again.client.resumed).toBe(true);
    expect(again.client.group).toBeUndefined();
  });

  it('a session store: tickets from each connection, each used once', async () => {
    const ctx = createServerContext({ ...rsaServer, maxVersion: 'TLSv1.3' });
    const sessionStore = createSessionStore();
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await session(ctx, { sessionStore }, `conn ${i}`));
    expect(runs.map((r) => r.client.resumed)).toEqual([false, true, true, true]);
    const used = new Set<string>();
    for (const r of runs.slice(1)) used.add(JSON.stringify(r.client.peerCertificateChain().length));
    expect(sessionStore.size).toBe(1);
  });
});

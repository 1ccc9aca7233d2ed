/**
 * TLS 1.3 resumption and 0-RTT, our client against `openssl s_server -tls1_3` on 127.0.0.1 (RFC 8446 §2.2, §2.3):
 * the NewSessionTickets become sessions (connection.session, onSession, the session store: several per server, each
 * used once); a ticket resumes with s_server reporting "Reused, TLSv1.3"; with `-early_data` our 0-RTT data is
 * accepted and s_server prints it as early data; a ticket used twice gets its early data refused by OpenSSL's
 * anti-replay, and the data then arrives after the handshake; a ticket is not offered under a stricter policy.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createSessionStore, nodeStream, type ConnectOptions, type TlsConnection, type TlsSession } from '../../src/index.js';
import { opensslAvailable, startServer, stopAll, type RunningServer } from '../helpers/openssl.js';
import { getPage, tcp } from '../helpers/client.js';
import { pki } from '../helpers/pki.js';

const has = opensslAvailable();
afterAll(stopAll);

const enc = new TextEncoder();
const TLS13: Partial<ConnectOptions> = { maxVersion: 'TLSv1.3' };

async function serve(args: string[]): Promise<RunningServer> {
  return startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-tls1_3', ...args] });
}

/** Sessions a connection makes, as they come. */
function collect(conn: TlsConnection): TlsSession[] {
  const out: TlsSession[] = [];
  conn.onSession((s) => out.push(s));
  return out;
}

/** Wait (bounded) until `pred` holds. */
async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * s_server without -www prints what it reads: connect, send `data` (or `earlyData`, which connect() sends early or
 * after the handshake), wait for a ticket and for s_server's output to show the data.
 */
async function talk(server: RunningServer, opts: Partial<ConnectOptions>, data: string) {
  const sock = await tcp(server.port);
  try {
    const conn = await connect({ transport: nodeStream(sock), serverName: 'localhost', ca: pki.ca, ...TLS13, ...opts });
    const sessions = collect(conn);
    if (!opts.earlyData) {
      const w = conn.writable.getWriter();
      await w.write(enc.encode(data));
      w.releaseLock();
    }
    // Reading is what processes the server's NewSessionTickets; s_server sends them right after the handshake.
    const reader = conn.readable.getReader();
    void reader.read().catch(() => {});
    await until(() => sessions.length > 0, 'a NewSessionTicket');
    await until(() => server.output().includes(data), 's_server to print the data');
    return { conn, sessions };
  } finally {
    sock.destroy();
  }
}

describe.skipIf(!has)('TLS 1.3 resumption: our client ↔ openssl s_server', () => {
  it('tickets become sessions; one resumes, s_server reports it reused, verification is carried', async () => {
    const server = await serve(['-www']);
    try {
      const first = await getPage(server.port, TLS13);
      expect(first.conn.version).toBe('TLSv1.3');
      expect(first.conn.resumed).toBe(false);
      expect(first.text).toMatch(/\bNew, TLSv1\.3/);
      const s = first.conn.session!;
      expect(s.version).toBe(0x0304);
      expect(s.ticket).toBeTruthy();
      expect(s.ticketLifetime).toBeGreaterThan(0);
      expect(typeof s.ticketAgeAdd).toBe('number');
      expect(s.verification).toEqual({ ok: true });
      expect(s.serverName).toBe('localhost');
      expect(s.peerChain).toHaveLength(2);

      const again = await getPage(server.port, { ...TLS13, session: s });
      expect(again.conn.resumed).toBe(true);
      expect(again.conn.version).toBe('TLSv1.3');
      expect(again.text).toMatch(/\bReused, TLSv1\.3/);
      expect(again.conn.verification).toEqual({ ok: true });
      expect(again.conn.peerCertificateChain()).toHaveLength(2);
      expect(again.conn.peerCertificate()?.fingerprint256).toBe(first.conn.peerCertificate()?.fingerprint256);
      expect(again.conn.group).toBeDefined(); // psk_dhe_ke: a fresh key exchange
      // The resumed connection's own tickets carry the same verification.
      expect(again.conn.session?.verification).toEqual({ ok: true });
      expect(again.conn.session?.ticket).not.toBe(s.ticket);
    } finally {
      await server.stop();
    }
  });

  it('checkServerIdentity runs on a resumed connection too, and can refuse it', async () => {
    const server = await serve(['-www']);
    try {
      const first = await getPage(server.port, TLS13);
      const session = first.conn.session!;
      const seen: string[] = [];
      const again = await getPage(server.port, { ...TLS13, session, checkServerIdentity: (h, c) => void seen.push(`${h} ${c.fingerprint256}`) });
      expect(again.conn.resumed).toBe(true);
      expect(seen).toEqual([`localhost ${first.conn.peerCertificate()!.fingerprint256}`]);
      await expect(getPage(server.port, { ...TLS13, session: first.conn.session!, checkServerIdentity: () => new Error('pinned elsewhere') })).rejects.toMatchObject({ code: 'cert_rejected' });
    } finally {
      await server.stop();
    }
  });

  it('the session store keeps several tickets per server and uses each once', async () => {
    const server = await serve(['-www']);
    try {
      const sessionStore = createSessionStore();
      const opts = { ...TLS13, sessionStore };
      const a = await getPage(server.port, opts);
      expect(a.conn.resumed).toBe(false);
      await until(() => sessionStore.size === 1, 'the store to fill');
      const tickets = new Set<string>();
      const b = await getPage(server.port, opts);
      const c = await getPage(server.port, opts);
      expect(b.conn.resumed).toBe(true);
      expect(c.conn.resumed).toBe(true);
      expect(b.text).toMatch(/\bReused, TLSv1\.3/);
      // Two tickets from the first connection, one from each resumed one: never the same ticket twice.
      for (const x of [b, c]) tickets.add(x.conn.session!.ticket!);
      expect(tickets.size).toBe(2);
      expect(sessionStore.get('localhost')?.version).toBe(0x0304);
    } finally {
      await server.stop();
    }
  });

  it('a ticket from a connection that did not verify is not offered to one that does', async () => {
    const server = await serve(['-www']);
    try {
      const loose = await getPage(server.port, { ...TLS13, verify: 'none' });
      const session = loose.conn.session!;
      expect(session.verifyMode).toBe('none');
      const strict = await getPage(server.port, { ...TLS13, session });
      expect(strict.conn.resumed).toBe(false);
      expect(strict.text).toMatch(/\bNew, TLSv1\.3/);
      // And one made for another trust anchor set is not offered either.
      const verified = await getPage(server.port, TLS13);
      const other = await getPage(server.port, { ...TLS13, session: verified.conn.session!, ca: [pki.ca, pki.intermediate] });
      expect(other.conn.resumed).toBe(false);
      expect(other.conn.verification).toEqual({ ok: true });
    } finally {
      await server.stop();
    }
  });

  it('psk_ke when configured: resumes without a key exchange', async () => {
    const server = await serve(['-www', '-allow_no_dhe_kex']);
    try {
      const first = await getPage(server.port, TLS13);
      const again = await getPage(server.port, { ...TLS13, session: first.conn.session!, pskModes: ['psk_ke'] });
      expect(again.conn.resumed).toBe(true);
      expect(again.conn.group).toBeUndefined();
      expect(again.text).toMatch(/\bReused, TLSv1\.3/);
    } finally {
      await server.stop();
    }
  });
});

describe.skipIf(!has)('TLS 1.3 0-RTT: our client ↔ openssl s_server -early_data', () => {
  it('the early data is accepted, s_server prints it as early data, keylog has CLIENT_EARLY_TRAFFIC_SECRET', async () => {
    const server = await serve(['-early_data']);
    try {
      const first = await talk(server, {}, 'first-connection\n');
      const session = first.sessions[0]!;
      expect(session.maxEarlyData).toBeGreaterThan(0);
      const lines: string[] = [];
      const payload = `early-${Math.random().toString(36).slice(2)}\n`;
      const second = await talk(server, { session, earlyData: enc.encode(payload), keyLog: (l) => lines.push(l) }, payload);
      expect(second.conn.resumed).toBe(true);
      expect(second.conn.earlyDataAccepted).toBe(true);
      await until(() => /End of early data/.test(server.output()), 's_server to finish the early data');
      // s_server writes the early bytes raw and its own lines buffered: the order between them is not fixed.
      const out = server.output();
      expect(out.split('Early data received:').length - 1).toBe(1);
      expect(out).not.toMatch(/Early data was rejected/);
      expect(out.split(payload.trim()).length - 1).toBe(1);
      expect(lines.map((l) => l.split(' ')[0])).toContain('CLIENT_EARLY_TRAFFIC_SECRET');
      expect(new Set(lines.map((l) => l.split(' ')[1])).size).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('a ticket used twice: OpenSSL refuses the early data, which then arrives after the handshake, once', async () => {
    const server = await serve(['-early_data']);
    try {
      const first = await talk(server, {}, 'first-connection\n');
      const session = first.sessions[0]!;
      const p1 = `replay-a-${Math.random().toString(36).slice(2)}\n`;
      const ok = await talk(server, { session, earlyData: enc.encode(p1) }, p1);
      expect(ok.conn.earlyDataAccepted).toBe(true);
      const p2 = `replay-b-${Math.random().toString(36).slice(2)}\n`;
      const refused = await talk(server, { session, earlyData: enc.encode(p2) }, p2);
      expect(refused.conn.earlyDataAccepted).toBe(false);
      await until(() => /Early data was rejected/.test(server.output()), 's_server to report the refusal');
      const out = server.output();
      expect(out.split('Early data received:').length - 1).toBe(1); // p1's only
      expect(out.split(p2.trim()).length - 1).toBe(1); // read once, as ordinary data
    } finally {
      await server.stop();
    }
  });

  it('no early data with a ticket that does not allow it: sent after the handshake instead', async () => {
    const server = await serve([]);
    try {
      const first = await talk(server, {}, 'first-connection\n');
      const session = first.sessions[0]!;
      expect(session.maxEarlyData).toBeUndefined();
      const p = `late-${Math.random().toString(36).slice(2)}\n`;
      const lines: string[] = [];
      const second = await talk(server, { session, earlyData: enc.encode(p), keyLog: (l) => lines.push(l) }, p);
      expect(second.conn.resumed).toBe(true);
      expect(second.conn.earlyDataAccepted).toBe(false);
      expect(lines.map((l) => l.split(' ')[0])).not.toContain('CLIENT_EARLY_TRAFFIC_SECRET');
    } finally {
      await server.stop();
    }
  });
});

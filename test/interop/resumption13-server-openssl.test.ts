/**
 * TLS 1.3 resumption and 0-RTT, SERVER side, against `openssl s_client -tls1_3` on 127.0.0.1: our NewSessionTickets
 * (s_client -sess_out saves one), and s_client -early_data with such a ticket. Each test starts its own listener
 * on an ephemeral port and stops it; the session files live in a temporary directory removed afterwards.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { opensslAvailable, runClient } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';
import type { ServerOptions, TlsConnection } from '../../src/index.js';
import { listenTls, readLine } from './server-harness.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-res13-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (name: string) => path.join(dir, `${++files}-${name}`);

interface Served {
  resumed?: boolean;
  earlyDataAccepted?: boolean | undefined;
  /** What the connection read first (the early data, when accepted), then all of it. */
  firstChunk?: string;
  received?: string;
  error?: { code: string; message: string };
}

/** Each connection reads until `\n` (or the end), answers `ok`, and closes. */
async function serve(conn: TlsConnection): Promise<Served> {
  const { line: received, first } = await readLine(conn);
  const w = conn.writable.getWriter();
  await w.write(new TextEncoder().encode('ok\n'));
  w.releaseLock();
  await conn.close();
  return { resumed: conn.resumed, earlyDataAccepted: conn.earlyDataAccepted, received, ...(first !== undefined ? { firstChunk: first } : {}) };
}

const listen = (opts: ServerOptions) => listenTls(opts, serve);

const base = { cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.3' as const };
const common = ['-tls1_3', '-CAfile', pki.caPath, '-verify_return_error', '-servername', 'localhost', '-ign_eof'];

async function client(port: number, args: string[], input = 'hello\n') {
  const r = await runClient({ port, args: [...common, ...args], input, timeoutMs: 20000 });
  return r.stdout + r.stderr;
}

describe.skipIf(!opensslAvailable())('TLS 1.3 server: tickets, resumption and 0-RTT against openssl s_client', () => {
  it('issues two tickets by default; s_client saves one', async () => {
    const l = await listen(base);
    try {
      const sess = file('sess.pem');
      const out = await client(l.port, ['-sess_out', sess, '-msg']);
      expect((await l.next()).error).toBeUndefined();
      expect(out).toContain('New, TLSv1.3');
      expect(out.match(/<<< TLS 1.3, Handshake \[length [0-9a-f]+\], NewSessionTicket/g)?.length).toBe(2);
      expect(existsSync(sess)).toBe(true);
    } finally {
      await l.close();
    }
  });

  it('numTickets: 0 sends none; sessionTickets: false sends none', async () => {
    for (const opts of [{ numTickets: 0 }, { sessionTickets: false }]) {
      const l = await listen({ ...base, ...opts });
      try {
        const out = await client(l.port, ['-msg']);
        expect((await l.next()).error).toBeUndefined();
        expect(out).toContain('New, TLSv1.3');
        expect(out).not.toMatch(/NewSessionTicket/);
      } finally {
        await l.close();
      }
    }
  });

  it('early data from a client whose ticket we cannot take is skipped (a full handshake, not bad_record_mac)', async () => {
    // The ticket comes from a server with other ticket keys, so this one does a full handshake and skips the 0-RTT.
    const issuer = await listen({ ...base, maxEarlyData: 1024 });
    const sess = file('sess.pem');
    try {
      await client(issuer.port, ['-sess_out', sess]);
      expect((await issuer.next()).error).toBeUndefined();
    } finally {
      await issuer.close();
    }
    const early = file('early.txt');
    writeFileSync(early, 'early bytes\n');
    const l = await listen(base);
    try {
      const out = await client(l.port, ['-sess_in', sess, '-early_data', early], 'late bytes\n');
      const served = await l.next();
      expect(served.error).toBeUndefined();
      expect(out).toContain('Early data was rejected');
      expect(served).toMatchObject({ resumed: false, received: 'late bytes\n' });
      expect(served.earlyDataAccepted).not.toBe(true);
    } finally {
      await l.close();
    }
  });

  it('early data after a HelloRetryRequest is skipped too', async () => {
    const issuer = await listen({ ...base, maxEarlyData: 1024 });
    const sess = file('sess.pem');
    try {
      await client(issuer.port, ['-sess_out', sess, '-groups', 'x25519']);
      expect((await issuer.next()).error).toBeUndefined();
    } finally {
      await issuer.close();
    }
    const early = file('early.txt');
    writeFileSync(early, 'early bytes\n');
    // s_client shares x25519 first; this server takes only secp384r1, so it asks again.
    const l = await listen({ ...base, groups: ['secp384r1'] });
    try {
      const out = await client(l.port, ['-sess_in', sess, '-early_data', early, '-groups', 'x25519:secp384r1', '-msg'], 'late bytes\n');
      const served = await l.next();
      expect(served.error).toBeUndefined();
      expect(out.match(/<<< TLS 1.3, Handshake \[length [0-9a-f]+\], ServerHello/g)?.length).toBe(2);
      expect(out).toContain('Early data was rejected');
      expect(served).toMatchObject({ resumed: false, received: 'late bytes\n' });
    } finally {
      await l.close();
    }
  });

  it('s_client -sess_out then -sess_in: "Reused, TLSv1.3", and accept() reports a resumed connection', async () => {
    const l = await listen(base);
    try {
      const sess = file('sess.pem');
      const first = await client(l.port, ['-sess_out', sess]);
      expect(first).toContain('New, TLSv1.3');
      expect(await l.next()).toMatchObject({ resumed: false, received: 'hello\n' });
      const again = await client(l.port, ['-sess_in', sess]);
      expect(again).toContain('Reused, TLSv1.3');
      const served = await l.next();
      expect(served.error).toBeUndefined();
      expect(served).toMatchObject({ resumed: true, received: 'hello\n' });
      expect(again).toContain('ok');
    } finally {
      await l.close();
    }
  });

  it('s_client -early_data: "Early data was accepted", our server reads those bytes first; the same ticket again gets no 0-RTT', async () => {
    const l = await listen({ ...base, maxEarlyData: 1024 });
    try {
      const sess = file('sess.pem');
      await client(l.port, ['-sess_out', sess]);
      expect((await l.next()).error).toBeUndefined();
      const early = file('early.txt');
      writeFileSync(early, 'GET /early\n');
      const out = await client(l.port, ['-sess_in', sess, '-early_data', early], 'after\n');
      expect(out).toContain('Reused, TLSv1.3');
      expect(out).toContain('Early data was accepted');
      const served = await l.next();
      expect(served.error).toBeUndefined();
      expect(served).toMatchObject({ resumed: true, earlyDataAccepted: true, firstChunk: 'GET /early\n' });
      // The same ticket, its early data again: resumed, but the 0-RTT is refused (single use, strike register).
      const replay = await client(l.port, ['-sess_in', sess, '-early_data', early], 'after\n');
      expect(replay).toContain('Reused, TLSv1.3');
      expect(replay).toContain('Early data was rejected');
      const second = await l.next();
      expect(second.error).toBeUndefined();
      expect(second).toMatchObject({ resumed: true, earlyDataAccepted: false, received: 'after\n' });
    } finally {
      await l.close();
    }
  });

  it('a ticket is not resumed under another client-auth policy or another SNI name', async () => {
    const ticketKeys = [{ name: new Uint8Array(16).fill(7), key: new Uint8Array(32).fill(9) }];
    const open = await listen({ ...base, ticketKeys });
    const strict = await listen({ ...base, ticketKeys, requestCert: 'optional', ca: readFileSync(pki.caPath, 'utf8') });
    try {
      const sess = file('sess.pem');
      await client(open.port, ['-sess_out', sess]);
      expect((await open.next()).error).toBeUndefined();
      // Same keys, so the ticket opens; but it was made without client authentication: a full handshake.
      const out = await client(strict.port, ['-sess_in', sess]);
      expect(out).toContain('New, TLSv1.3');
      expect(await strict.next()).toMatchObject({ resumed: false });
      // Same context, another name: a full handshake.
      const other = await client(open.port, ['-sess_in', sess, '-servername', 'other.example']);
      expect(other).toContain('New, TLSv1.3');
      expect(await open.next()).toMatchObject({ resumed: false });
      // And the right name still resumes (the ticket itself is good).
      expect(await client(open.port, ['-sess_in', sess])).toContain('Reused, TLSv1.3');
      expect(await open.next()).toMatchObject({ resumed: true });
    } finally {
      await open.close();
      await strict.close();
    }
  });
});

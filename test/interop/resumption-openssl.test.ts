/**
 * Resumption and encrypt-then-MAC with OpenSSL on 127.0.0.1, both ways:
 * our client against `openssl s_server -www` (tickets, and session ids only with -no_ticket), and
 * `openssl s_client -reconnect` / `-sess_out` + `-sess_in` against accept() on a shared ServerContext.
 */
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { accept, createServerContext, createSessionStore, nodeStream, type ServerContext } from '../../src/index.js';
import { opensslAvailable, runClient, startServer, stopAll } from '../helpers/openssl.js';
import { getPage } from '../helpers/client.js';
import { pki } from '../helpers/pki.js';
import { records, serverHelloExtensionTypes, tap } from '../session/wire.js';

const ETM = 22;
const has = opensslAvailable();
if (!has) console.warn('openssl not found: skipping OpenSSL resumption tests');

afterAll(stopAll);

/** Our server on an ephemeral port: each connection sends a line and closes (s_client -ign_eof reads until then). */
async function ourServer(ctx: ServerContext, onOut?: (bytes: () => Uint8Array) => void) {
  const srv = net.createServer((sock) => {
    const t = tap(nodeStream(sock));
    onOut?.(t.outgoing);
    accept({ context: ctx, transport: t.stream })
      .then(async (conn) => {
        const w = conn.writable.getWriter();
        await w.write(new TextEncoder().encode(`hello from puretls, resumed=${conn.resumed}\n`));
        w.releaseLock();
        await conn.close();
      })
      .catch(() => {})
      .finally(() => sock.end());
  });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  return { port: (srv.address() as net.AddressInfo).port, close: () => new Promise<void>((res) => srv.close(() => res())) };
}

describe.skipIf(!has)('our client against openssl s_server', () => {
  for (const mode of ['ticket', 'session id'] as const) {
    it(`resumes by ${mode}, and s_server reports the session reused`, async () => {
      const server = await startServer({
        cert: pki.serverRsa.certPath,
        key: pki.serverRsa.keyPath,
        chain: pki.intermediatePath,
        args: ['-www', '-tls1_2', ...(mode === 'session id' ? ['-no_ticket'] : [])],
      });
      const first = await getPage(server.port, {});
      expect(first.conn.resumed).toBe(false);
      expect(first.text).toMatch(/\bNew, TLSv1\.2/);
      const session = first.conn.session!;
      expect(!!session.ticket).toBe(mode === 'ticket');
      const again = await getPage(server.port, { session });
      expect(again.conn.resumed).toBe(true);
      expect(again.text).toMatch(/\bReused, TLSv1\.2/);
      await server.stop();
    });
  }

  it('encrypt-then-MAC is negotiated for CBC suites and used (record lengths), and can be switched off', async () => {
    const server = await startServer({
      cert: pki.serverRsa.certPath,
      key: pki.serverRsa.keyPath,
      chain: pki.intermediatePath,
      args: ['-www', '-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA'],
    });
    for (const etm of [true, false]) {
      let seen: (() => Uint8Array) | undefined;
      const { text } = await getPage(server.port, { encryptThenMac: etm }, (base) => {
        const t = tap(base);
        seen = t.incoming;
        return t.stream;
      });
      expect(text).toContain('ECDHE-RSA-AES128-SHA');
      const bytes = seen!();
      expect(serverHelloExtensionTypes(bytes).includes(ETM)).toBe(etm);
      // AES-CBC + HMAC-SHA1: IV 16 + padded blocks (+ 20-byte MAC outside the blocks with EtM).
      const app = records(bytes).filter((r) => r.type === 23);
      expect(app.length).toBeGreaterThan(0);
      for (const r of app) expect(r.body.length % 16).toBe(etm ? 4 : 0);
    }
    await server.stop();
  });
});

describe.skipIf(!has)('openssl s_client against accept()', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-resume-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = ['-tls1_2', '-CAfile', pki.caPath, '-verify_return_error', '-servername', 'localhost'];

  for (const mode of ['ticket', 'session id'] as const) {
    it(`-reconnect reuses the session (${mode})`, async () => {
      const ctx = createServerContext({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, sessionTickets: mode === 'ticket' });
      const srv = await ourServer(ctx);
      const r = await runClient({ port: srv.port, args: [...base, '-reconnect', ...(mode === 'session id' ? ['-no_ticket'] : [])] });
      await srv.close();
      const lines = r.stdout.match(/^(New|Reused), TLSv1\.2/gm) ?? [];
      expect(lines[0]).toMatch(/^New/);
      // s_client -reconnect makes five more connections, each offering the first session.
      expect(lines.filter((l) => l.startsWith('Reused')).length).toBe(5);
      if (mode === 'session id') expect(ctx.handshake.sessionCache!.size).toBe(1);
    });
  }

  it('-sess_out then -sess_in reuses the session, and after a key rotation too (the ticket is renewed)', async () => {
    const ctx = createServerContext({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, sessionCacheSize: 0 });
    const srv = await ourServer(ctx);
    const file = path.join(dir, 'sess.pem');
    const first = await runClient({ port: srv.port, args: [...base, '-ign_eof', '-sess_out', file] });
    expect(first.stdout).toMatch(/^New, TLSv1\.2/m);
    expect(first.stdout).toContain('hello from puretls, resumed=false');
    const second = await runClient({ port: srv.port, args: [...base, '-ign_eof', '-sess_in', file] });
    expect(second.stdout).toMatch(/^Reused, TLSv1\.2/m);
    expect(second.stdout).toContain('hello from puretls, resumed=true');
    ctx.rotateTicketKeys();
    const third = await runClient({ port: srv.port, args: [...base, '-ign_eof', '-sess_in', file] });
    expect(third.stdout).toMatch(/^Reused, TLSv1\.2/m);
    await srv.close();
  });

  it('encrypt-then-MAC towards s_client: negotiated for a CBC suite and used in our records', async () => {
    const ctx = createServerContext({ cert: pki.serverRsa.chain, key: pki.serverRsa.key });
    let out: (() => Uint8Array) | undefined;
    const srv = await ourServer(ctx, (o) => (out = o));
    const r = await runClient({ port: srv.port, args: [...base, '-ign_eof', '-cipher', 'ECDHE-RSA-AES128-SHA'] });
    await srv.close();
    expect(r.stdout).toContain('hello from puretls');
    const bytes = out!();
    expect(serverHelloExtensionTypes(bytes)).toContain(ETM);
    const app = records(bytes).filter((x) => x.type === 23);
    expect(app.length).toBeGreaterThan(0);
    for (const x of app) expect(x.body.length % 16).toBe(4);
  });
});

/**
 * RFC 7627 §5.3: a session without extended master secret is not resumed by either side (a full handshake
 * instead) unless allowNonEmsResumption says so. OpenSSL 3.0 has no s_server/s_client flag for it; a config file
 * with `Options = -ExtendedMasterSecret` (as the issue 15 reproduction used) turns EMS off in both.
 */
describe.skipIf(!has)('sessions without extended master secret (issue 15 finding 6)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-noems-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const conf = path.join(dir, 'noems.cnf');
  writeFileSync(conf, 'openssl_conf = conf\n[conf]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = sys\n[sys]\nOptions = -ExtendedMasterSecret\n');
  const env = { ...process.env, OPENSSL_CONF: conf };

  it('our client does not offer a non-EMS session to s_server unless allowed', async () => {
    const server = await startServer({
      cert: pki.serverRsa.certPath,
      key: pki.serverRsa.keyPath,
      chain: pki.intermediatePath,
      args: ['-www', '-tls1_2'],
      env,
    });
    const first = await getPage(server.port, {});
    expect(first.text).toMatch(/Extended master secret: no/);
    const session = first.conn.session!;
    expect(session.extendedMasterSecret).toBe(false);
    const again = await getPage(server.port, { session });
    expect(again.conn.resumed).toBe(false);
    expect(again.text).toMatch(/\bNew, TLSv1\.2/);
    const allowed = await getPage(server.port, { session, allowNonEmsResumption: true });
    expect(allowed.conn.resumed).toBe(true);
    expect(allowed.text).toMatch(/\bReused, TLSv1\.2/);
    await server.stop();
  });

  for (const allow of [false, true]) {
    it(`our server ${allow ? 'resumes (allowNonEmsResumption)' : 'does not resume'} s_client's non-EMS session`, async () => {
      const ctx = createServerContext({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, allowNonEmsResumption: allow });
      const srv = await ourServer(ctx);
      const args = ['-tls1_2', '-CAfile', pki.caPath, '-verify_return_error', '-servername', 'localhost', '-reconnect'];
      const ticket = await runClient({ port: srv.port, args, env });
      const byId = await runClient({ port: srv.port, args: [...args, '-no_ticket'], env });
      await srv.close();
      for (const r of [ticket, byId]) {
        expect(r.stdout).toMatch(/Extended master secret: no/);
        const lines = r.stdout.match(/^(New|Reused), TLSv1\.2/gm) ?? [];
        expect(lines).toHaveLength(6);
        expect(lines.filter((l) => l.startsWith('Reused')).length).toBe(allow ? 5 : 0);
      }
    });
  }
});

/**
 * Issue 15 finding 1 against a real server: sessions from connections that did not verify the server never let a
 * verifying connection skip the check, and verified sessions still resume.
 */
describe.skipIf(!has)('session policy against openssl s_server (issue 15 finding 1)', () => {
  it("a verify 'none' session is not stored, and passed by hand it is not offered to a verifying connection", async () => {
    const server = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www', '-tls1_2'] });
    const store = createSessionStore();
    // pki.caEcdsa does not trust the server's chain.
    const first = await getPage(server.port, { ca: pki.caEcdsa, verify: 'none', sessionStore: store });
    expect(first.conn.verification.ok).toBe(false);
    expect(store.size).toBe(0);
    await expect(getPage(server.port, { ca: pki.caEcdsa, session: first.conn.session! })).rejects.toMatchObject({ code: 'cert_untrusted' });
    await expect(getPage(server.port, { ca: pki.caEcdsa, sessionStore: store })).rejects.toMatchObject({ code: 'cert_untrusted' });
    // A verified session is stored and resumed, and reports the verification it carries.
    const good = await getPage(server.port, { sessionStore: store });
    expect(store.size).toBe(1);
    const again = await getPage(server.port, { sessionStore: store });
    expect(again.conn.resumed).toBe(true);
    expect(again.text).toMatch(/\bReused, TLSv1\.2/);
    expect(again.conn.verification).toEqual({ ok: true });
    expect(good.conn.session?.trustAnchors).toBe(again.conn.session?.trustAnchors);
    await server.stop();
  });
});

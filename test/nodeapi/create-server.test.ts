/**
 * createServer(): a net.Server that survives bad clients (one that refuses the certificate, one that resets
 * mid-handshake, one that sends garbage, one that stalls) and serves the next, against Node's tls client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { createServer, createServerContext, TlsError, type TlsConnection, type TlsServer } from '../../src/index.js';
import { pki } from '../helpers/pki.js';
import { HOST, readAll } from './helpers.js';
import { opensslAvailable, runClient, stopAll } from '../helpers/openssl.js';

const processErrors: unknown[] = [];
const onProcessError = (e: unknown) => processErrors.push(e);
let server: TlsServer;
let port: number;
const clientErrors: [TlsError, net.Socket][] = [];

beforeAll(async () => {
  process.on('unhandledRejection', onProcessError);
  process.on('uncaughtException', onProcessError);
  server = createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key }, async (conn: TlsConnection) => {
    // Echo one message in upper case, then close.
    const r = conn.readable.getReader();
    const { value } = await r.read().catch(() => ({ value: undefined }));
    r.releaseLock();
    const w = conn.writable.getWriter();
    await w.write(new TextEncoder().encode(new TextDecoder().decode(value ?? new Uint8Array()).toUpperCase())).catch(() => {});
    await w.close().catch(() => {});
  });
  server.on('tlsClientError', (e, socket) => clientErrors.push([e, socket]));
  server.listen(0, HOST);
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await stopAll();
  await new Promise<void>((r) => server.close(() => r()));
  process.off('unhandledRejection', onProcessError);
  process.off('uncaughtException', onProcessError);
});

/** One good exchange with Node's own tls client. */
async function goodClient(): Promise<string> {
  const s = tls.connect({ host: HOST, port, servername: 'localhost', ca: pki.ca });
  await once(s, 'secureConnect');
  s.write('ping');
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  await once(s, 'end');
  s.destroy();
  return out;
}

async function nextClientError(before: number): Promise<[TlsError, net.Socket]> {
  await expect.poll(() => clientErrors.length, { timeout: 5000 }).toBeGreaterThan(before);
  return clientErrors[before]!;
}

describe('createServer', () => {
  it('serves a client: secureConnection gets a TlsConnection', async () => {
    expect(await goodClient()).toBe('PING');
  });

  it.skipIf(!opensslAvailable())('a client that refuses the certificate (alert): tlsClientError, and the next client is served', async () => {
    const before = clientErrors.length;
    // openssl s_client with the wrong CA sends unknown_ca (the README example used to die here).
    const r = await runClient({ port, args: ['-servername', 'localhost', '-CAfile', pki.serverEcdsa.certPath, '-verify_return_error'] });
    expect(r.code).not.toBe(0);
    const [err, socket] = await nextClientError(before);
    expect(err).toBeInstanceOf(TlsError);
    expect(err.code).toBe('peer_alert_unknown_ca');
    expect(socket).toBeInstanceOf(net.Socket);
    expect(await goodClient()).toBe('PING');
  });

  it("a Node client that refuses the certificate (it checks after the handshake and hangs up): the server goes on", async () => {
    const bad = tls.connect({ host: HOST, port, servername: 'localhost', ca: pki.serverEcdsa.cert });
    const [clientErr] = (await once(bad, 'error')) as [Error];
    expect(clientErr.message).toMatch(/certificate/);
    expect(await goodClient()).toBe('PING');
    expect(processErrors).toEqual([]);
  });

  it('a client that resets mid-handshake, one that sends garbage, one that stalls: each a tlsClientError', async () => {
    let before = clientErrors.length;
    const reset = net.connect(port, HOST);
    await once(reset, 'connect');
    reset.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); // a ClientHello record cut short
    reset.resetAndDestroy();
    const [resetErr] = await nextClientError(before);
    expect(resetErr.code).toMatch(/^io_/);

    before = clientErrors.length;
    const garbage = net.connect(port, HOST);
    garbage.on('error', () => {});
    await once(garbage, 'connect');
    garbage.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [garbageErr] = await nextClientError(before);
    expect(garbageErr.code).toBe('decode_not_tls');
    garbage.destroy();

    // A client that connects and says nothing, on a server sharing the context with a short handshakeTimeout.
    const quick = createServer({ context: server.context, handshakeTimeout: 300 });
    const quickErrors: TlsError[] = [];
    quick.on('tlsClientError', (e) => quickErrors.push(e));
    quick.listen(0, HOST);
    await once(quick, 'listening');
    const stall = net.connect((quick.address() as net.AddressInfo).port, HOST);
    stall.on('error', () => {});
    const stallClosed = once(stall, 'close');
    await expect.poll(() => quickErrors.map((e) => e.code), { timeout: 5000 }).toEqual(['io_timeout']);
    await stallClosed;
    await new Promise<void>((r) => quick.close(() => r()));

    expect(await goodClient()).toBe('PING');
    expect(processErrors).toEqual([]);
  });

  it('takes an existing context; a configuration error throws at once', async () => {
    const context = createServerContext({ cert: pki.serverRsa.chain, key: pki.serverRsa.key });
    const s = createServer({ context });
    expect(s.context).toBe(context);
    expect(() => createServer({ cert: pki.serverRsa.chain })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => createServer({ context: {} as never })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });

  it('a secureConnection that reads through readAll sees the data', async () => {
    // (readAll from the helpers, used by other tests, works on a TlsConnection from createServer too.)
    const s = createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key }, (c) => void readAll(c.readable).then((t) => got.push(t)));
    const got: string[] = [];
    s.listen(0, HOST);
    await once(s, 'listening');
    const c = tls.connect({ host: HOST, port: (s.address() as net.AddressInfo).port, servername: 'localhost', ca: pki.ca });
    await once(c, 'secureConnect');
    c.end('bye');
    await expect.poll(() => got).toEqual(['bye']);
    c.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  });
});

/**
 * Transports handed to the library are closed on every failure, configuration errors included (connect, accept,
 * wrapSocket); default and explicit timeouts on both roles (a silent peer on loopback); the idle timeout after the
 * handshake; connect({ host, port }) opening its own TCP connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { accept, connect, nodeStream, wrapSocket, TlsError, createServerContext } from '../../src/index.js';
import { DEFAULT_HANDSHAKE_TIMEOUT } from '../../src/timeouts.js';
import { pki } from '../helpers/pki.js';
import { HOST, nodeTlsServer, silentServer, type Peer } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function failure(p: Promise<unknown>): Promise<TlsError> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(TlsError);
      return e as TlsError;
    },
  );
}

/** A connected socket pair over loopback: [our end, the other end]. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const ours = net.connect((server.address() as net.AddressInfo).port, HOST);
  const [theirs] = await accepted;
  await new Promise<void>((r) => (ours.connecting ? ours.once('connect', () => r()) : r()));
  server.close();
  theirs.on('error', () => {});
  ours.on('error', () => {});
  cleanups.push(async () => {
    ours.destroy();
    theirs.destroy();
  });
  return [ours, theirs];
}

const rsaServer = { cert: pki.serverRsa.chain, key: pki.serverRsa.key };

describe('a configuration error closes the transport', () => {
  const cases: [string, (t: ReturnType<typeof nodeStream>) => Promise<unknown>][] = [
    ['connect: unknown cipher suite', (transport) => connect({ transport, serverName: 'localhost', cipherSuites: ['TLS_NOPE' as never] })],
    ['connect: no serverName to check', (transport) => connect({ transport })],
    ['connect: bad handshakeTimeout', (transport) => connect({ transport, serverName: 'localhost', handshakeTimeout: -1 })],
    ['accept: unknown cipher suite', (transport) => accept({ transport, ...rsaServer, cipherSuites: ['TLS_NOPE' as never] })],
    ['accept: no certificate', (transport) => accept({ transport } as never)],
    ['wrapSocket: unknown keyword', (transport) => wrapSocket(transport, { server_hostname: 'localhost', keyfile_: 'x' } as never)],
    ['wrapSocket: bad cert_reqs', (transport) => wrapSocket(transport, { cert_reqs: 7 })],
    ['wrapSocket: bad ciphers', (transport) => wrapSocket(transport, { ciphers: 'NOPE' })],
  ];
  for (const [name, run] of cases) {
    it(name, async () => {
      const [ours, theirs] = await socketPair();
      const peerSawClose = once(theirs, 'close');
      const err = await failure(run(nodeStream(ours)));
      expect(err.code).toMatch(/^config_/);
      await peerSawClose;
      await expect.poll(() => ours.destroyed, { timeout: 5000 }).toBe(true);
    });
  }
});

describe('handshake timeout', () => {
  it("defaults to Node's 120 s", () => {
    expect(DEFAULT_HANDSHAKE_TIMEOUT).toBe(120_000);
  });

  it('client: a silent server fails connect({ host, port }) with io_timeout and the socket is closed', async () => {
    const silent = await silentServer();
    cleanups.push(silent.close);
    const t0 = Date.now();
    const err = await failure(connect({ host: HOST, port: silent.port, serverName: 'localhost', ca: pki.ca, handshakeTimeout: 300 }));
    expect(err.code).toBe('io_timeout');
    expect(err.message).toContain('300 ms');
    expect(Date.now() - t0).toBeLessThan(5000);
    await silent.closed;
  });

  it('client over a given transport: timeoutMs is the older name, still honoured', async () => {
    const silent = await silentServer();
    cleanups.push(silent.close);
    const socket = net.connect(silent.port, HOST);
    const err = await failure(connect({ transport: nodeStream(socket), serverName: 'localhost', ca: pki.ca, timeoutMs: 200 }));
    expect(err.code).toBe('io_timeout');
    await silent.closed;
  });

  it('server: a client that connects and says nothing fails accept() with io_timeout and is disconnected', async () => {
    const [ours, theirs] = await socketPair();
    const clientSawClose = once(theirs, 'close');
    const context = createServerContext({ ...rsaServer, handshakeTimeout: 300 });
    const err = await failure(accept({ transport: nodeStream(ours), context }));
    expect(err.code).toBe('io_timeout');
    await clientSawClose;
  });
});

describe('idle timeout', () => {
  let peer: Peer<tls.Server>;
  afterEach(async () => peer?.close());

  it('a connection on which nothing moves fails with io_timeout; traffic keeps it alive', async () => {
    // The server echoes and otherwise stays silent.
    peer = await nodeTlsServer({}, (s) => s.pipe(s));
    const conn = await connect({ host: HOST, port: peer.port, serverName: 'localhost', ca: pki.ca, idleTimeout: 400 });
    const w = conn.writable.getWriter();
    const r = conn.readable.getReader();
    // 6 round trips 150 ms apart: 900 ms in all, never 400 ms without traffic.
    for (let i = 0; i < 6; i++) {
      await w.write(new TextEncoder().encode(`ping ${i}`));
      const { value } = await r.read();
      expect(new TextDecoder().decode(value)).toBe(`ping ${i}`);
      await new Promise((res) => setTimeout(res, 150));
    }
    const t0 = Date.now();
    const err = await r.read().then(
      () => null,
      (e: unknown) => e as TlsError,
    );
    expect(err?.code).toBe('io_timeout');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    await expect(w.write(new Uint8Array([1]))).rejects.toMatchObject({ code: 'io_timeout' });
  });
});

describe('connect({ host, port })', () => {
  it('opens its own TCP connection (serverName defaults to host); a closed port is io_transport', async () => {
    const peer = await nodeTlsServer();
    cleanups.push(peer.close);
    const conn = await connect({ host: 'localhost', port: peer.port, ca: pki.ca });
    expect(conn.serverName).toBe('localhost');
    expect(conn.peerCertificate()?.subject).toEqual([[['organizationName', 'puretls test']], [['commonName', 'localhost']]]);
    await conn.close();
    const closed = await silentServer();
    await closed.close();
    const err = await failure(connect({ host: HOST, port: closed.port, serverName: 'localhost', ca: pki.ca }));
    expect(err.code).toBe('io_transport');
  });

  it('without a transport, host/port are checked like other options', async () => {
    expect((await failure(connect({ serverName: 'x' }))).code).toBe('config_invalid');
    expect((await failure(connect({ host: 'x', port: 70000 }))).code).toBe('config_invalid');
  });
});

describe('connect({ host }) with an IPv6 literal', () => {
  it("'[::1]' and '::1' both connect, and the certificate's IP address SAN is checked", async () => {
    const tls6 = await import('node:tls');
    const server = tls6.createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key }, (s) => {
      s.on('error', () => {});
      s.end('v6');
    });
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::1', () => resolve(true));
    });
    if (!listening) return; // no IPv6 loopback on this machine
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    for (const host of ['[::1]', '::1']) {
      const conn = await connect({ host, port, ca: pki.ca });
      expect(conn.verification.ok).toBe(true);
      await conn.destroy();
    }
  });
});

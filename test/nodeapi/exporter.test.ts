/**
 * RFC 5705 keying material and RFC 5929 channel bindings, checked against Node's own TLS (OpenSSL) on the other end:
 * exportKeyingMaterial equals tlsSocket.exportKeyingMaterial() with and without context, in both roles and in
 * TLS 1.0 (MD5/SHA-1 PRF) as in 1.2; tls-unique and getFinished/getPeerFinished match Node's Finished messages in full
 * and resumed handshakes; tls-server-end-point is SHA-256 of the server certificate (sha256WithRSA).
 */
import { afterAll, describe, expect, it } from 'vitest';
import tls from 'node:tls';
import net from 'node:net';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { opensslAvailable, startServer, stopAll } from '../helpers/openssl.js';
import { once } from 'node:events';
import { connect, createServer, memoryPair, accept, wrapSocket, TlsError, type TlsConnection, type TlsServer } from '../../src/index.js';
import { pki } from '../helpers/pki.js';
import { HOST, nodeTlsServer, type Peer } from './helpers.js';

const enc = new TextEncoder();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** A Node tls server that keeps its sockets so the test can ask them; returns them per connection. */
async function nodeServer(opts: tls.TlsOptions = {}): Promise<Peer<tls.Server> & { next(): Promise<tls.TLSSocket> }> {
  const queue: tls.TLSSocket[] = [];
  const waiting: ((s: tls.TLSSocket) => void)[] = [];
  const peer = await nodeTlsServer(opts, (s) => {
    const w = waiting.shift();
    if (w) w(s);
    else queue.push(s);
  });
  cleanups.push(peer.close);
  return Object.assign(peer, { next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<tls.TLSSocket>((r) => waiting.push(r))) });
}

const LABEL = 'EXPERIMENTAL-puretls-test';
const CONTEXT = enc.encode('some context');

async function sameExports(ours: TlsConnection, node: tls.TLSSocket): Promise<void> {
  // (Node's context argument is optional at run time; its type says otherwise.)
  expect(Buffer.from(await ours.exportKeyingMaterial(32, LABEL))).toEqual(node.exportKeyingMaterial(32, LABEL, undefined as unknown as Buffer));
  expect(Buffer.from(await ours.exportKeyingMaterial(48, LABEL, CONTEXT))).toEqual(node.exportKeyingMaterial(48, LABEL, Buffer.from(CONTEXT)));
  // An empty context is not the same as none (RFC 5705 §4).
  expect(Buffer.from(await ours.exportKeyingMaterial(16, LABEL, new Uint8Array()))).toEqual(node.exportKeyingMaterial(16, LABEL, Buffer.alloc(0)));
  expect(await ours.exportKeyingMaterial(16, LABEL, new Uint8Array())).not.toEqual(await ours.exportKeyingMaterial(16, LABEL));
}

describe('exportKeyingMaterial against Node', () => {
  for (const version of ['TLSv1.2', 'TLSv1'] as const) {
    it(`${version}: our client, Node's server`, async () => {
      const peer = await nodeServer({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
      const conn = await connect({ host: HOST, port: peer.port, serverName: 'localhost', ca: pki.ca, minVersion: version, maxVersion: version });
      const node = await peer.next();
      expect(conn.version).toBe(version);
      await sameExports(conn, node);
      await conn.close();
    });
  }

  it("TLSv1.3: our client, Node's server (RFC 8446 exporter; empty and absent context are the same there)", async () => {
    const peer = await nodeServer();
    const conn = await connect({ host: HOST, port: peer.port, serverName: 'localhost', ca: pki.ca, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    const node = await peer.next();
    expect(conn.version).toBe('TLSv1.3');
    expect(Buffer.from(await conn.exportKeyingMaterial(32, LABEL))).toEqual(node.exportKeyingMaterial(32, LABEL, undefined as unknown as Buffer));
    expect(Buffer.from(await conn.exportKeyingMaterial(48, LABEL, CONTEXT))).toEqual(node.exportKeyingMaterial(48, LABEL, Buffer.from(CONTEXT)));
    await expect(conn.getChannelBinding('tls-unique')).rejects.toMatchObject({ code: 'config_invalid' });
    expect(await conn.getChannelBinding('tls-exporter')).toHaveLength(32);
    await conn.close();
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)("%s: our server (createServer, its default), Node's client", async (version) => {
    const server: TlsServer = createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key });
    const got = once(server, 'secureConnection') as Promise<[TlsConnection]>;
    server.listen(0, HOST);
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const client = tls.connect({ host: HOST, port: (server.address() as net.AddressInfo).port, servername: 'localhost', ca: pki.ca, maxVersion: version });
    client.on('error', () => {});
    await once(client, 'secureConnect');
    const [conn] = await got;
    expect(conn.version).toBe(version);
    if (version === 'TLSv1.2') await sameExports(conn, client);
    else {
      // RFC 8446 §7.5: an empty context and none are the same there.
      expect(Buffer.from(await conn.exportKeyingMaterial(32, LABEL))).toEqual(client.exportKeyingMaterial(32, LABEL, undefined as unknown as Buffer));
      expect(Buffer.from(await conn.exportKeyingMaterial(48, LABEL, CONTEXT))).toEqual(client.exportKeyingMaterial(48, LABEL, Buffer.from(CONTEXT)));
    }
    // Reserved labels (the key schedule's own) are refused.
    await expect(conn.exportKeyingMaterial(32, 'master secret')).rejects.toMatchObject({ code: 'config_invalid' });
    client.destroy();
  });
});

describe('channel bindings', () => {
  // TLS 1.2: tls-unique is not defined for 1.3 (RFC 9266), and 1.3 resumption is issue 20's.
  it("tls-unique is the client's Finished in a full handshake, the server's in a resumed one; Node agrees (TLS 1.2)", async () => {
    const peer = await nodeServer();
    const full = await connect({ host: HOST, port: peer.port, serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.2' });
    const nodeFull = await peer.next();
    expect(Buffer.from(full.getFinished()!)).toEqual(nodeFull.getPeerFinished());
    expect(Buffer.from(full.getPeerFinished()!)).toEqual(nodeFull.getFinished());
    expect(Buffer.from(await full.getChannelBinding('tls-unique'))).toEqual(nodeFull.getPeerFinished());
    const session = full.session!;
    await full.close();
    const resumed = await connect({ host: HOST, port: peer.port, serverName: 'localhost', ca: pki.ca, session, maxVersion: 'TLSv1.2' });
    const nodeResumed = await peer.next();
    expect(resumed.resumed).toBe(true);
    expect(nodeResumed.isSessionReused()).toBe(true);
    expect(Buffer.from(await resumed.getChannelBinding('tls-unique'))).toEqual(nodeResumed.getFinished());
    await resumed.close();
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('tls-server-end-point: SHA-256 of the server certificate on both ends; Python facade get_channel_binding (%s)', async (version) => {
    // server-rsa is signed with sha256WithRSAEncryption: the binding is SHA-256 of its DER.
    const expected = createHash('sha256').update(new X509Certificate(pki.serverRsa.cert).raw).digest();
    const [a, b] = memoryPair();
    const [client, server] = await Promise.all([
      wrapSocket(a, { server_hostname: 'localhost', ca_certs: pki.ca }),
      accept({ transport: b, cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: version }),
    ]);
    expect(client.version).toBe(version);
    expect(Buffer.from(await client.getChannelBinding('tls-server-end-point'))).toEqual(expected);
    expect(Buffer.from(await server.getChannelBinding('tls-server-end-point'))).toEqual(expected);
    expect(await client.get_channel_binding('tls-server-end-point')).toEqual(await client.getChannelBinding('tls-server-end-point'));
    if (version === 'TLSv1.2') expect(await client.get_channel_binding()).toEqual(await server.getChannelBinding('tls-unique'));
    else await expect(client.get_channel_binding()).rejects.toMatchObject({ code: 'config_invalid' }); // no tls-unique in 1.3
    // RFC 9266 tls-exporter: the same 32 bytes on both ends.
    expect(await client.getChannelBinding('tls-exporter')).toEqual(await server.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding'));
    await Promise.all([client.close(), server.close()]);
  });

  it.skipIf(!opensslAvailable())('without extended master secret (s_server with EMS off): no export, no tls-unique on resumption (RFC 7627)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-noems-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const conf = path.join(dir, 'noems.cnf');
    writeFileSync(conf, 'openssl_conf = conf\n[conf]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = sys\n[sys]\nOptions = -ExtendedMasterSecret\n');
    const server = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-tls1_2'], env: { ...process.env, OPENSSL_CONF: conf } });
    cleanups.push(stopAll);
    const conn = await connect({ host: HOST, port: server.port, serverName: 'localhost', ca: pki.ca });
    await expect(conn.exportKeyingMaterial(32, LABEL)).rejects.toMatchObject({ code: 'protocol_no_ems' });
    // A full handshake's tls-unique is still this connection's own.
    expect(await conn.getChannelBinding('tls-unique')).toHaveLength(12);
    const session = conn.session!;
    await conn.destroy();
    const again = await connect({ host: HOST, port: server.port, serverName: 'localhost', ca: pki.ca, session, allowNonEmsResumption: true });
    expect(again.resumed).toBe(true);
    const err = await again.getChannelBinding('tls-unique').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).code).toBe('protocol_no_ems');
    await again.destroy();
  });
});

/**
 * Real ClientHellos from `openssl s_client`: the committed captures (vectors/handshake/) and, when
 * openssl is installed, a fresh one recorded by listening on 127.0.0.1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fromHex } from '../../src/handshake/codec.js';
import { HandshakeFramer, HandshakeType } from '../../src/handshake/framer.js';
import { decodeClientHello, encodeClientHello, type ClientHello } from '../../src/handshake/messages.js';
import * as X from '../../src/handshake/extensions.js';
import { TLS12 } from '../../src/crypto/suites.js';
import { repoRoot } from '../helpers/pki.js';
import { opensslAvailable, stopAll } from '../helpers/openssl.js';

const T = X.ExtensionType;

/** The handshake messages carried by a run of handshake records. */
function helloFromRecords(bytes: Uint8Array): { hello: ClientHello; raw: Uint8Array } {
  const f = new HandshakeFramer();
  let off = 0;
  while (off < bytes.length) {
    expect(bytes[off]).toBe(22);
    const len = (bytes[off + 3]! << 8) | bytes[off + 4]!;
    f.push(bytes.subarray(off + 5, off + 5 + len));
    off += 5 + len;
  }
  const m = f.next()!;
  expect(m.type).toBe(HandshakeType.client_hello);
  return { hello: decodeClientHello(m.body), raw: m.raw };
}

function load(name: string): Uint8Array {
  return fromHex(readFileSync(path.join(repoRoot, 'vectors/handshake', name), 'utf8'));
}

function ext(hello: ClientHello, type: number): Uint8Array {
  const e = X.findExtension(hello.extensions, type);
  expect(e, `extension ${X.extensionName(type)}`).toBeDefined();
  return e!.data;
}

describe('captured openssl 3.0 ClientHello (TLS 1.2 only, SNI, ALPN, OCSP)', () => {
  const { hello, raw } = helloFromRecords(load('openssl-3.0-client-hello-tls12.hex'));

  it('decodes every field', () => {
    expect(hello.version).toBe(TLS12);
    expect(hello.random.length).toBe(32);
    expect(hello.compressionMethods).toEqual([0]);
    expect(hello.cipherSuites).toContain(0xc02f); // ECDHE-RSA-AES128-GCM-SHA256
    expect(hello.cipherSuites).toContain(0x00ff); // renegotiation SCSV
    expect(X.decodeServerName(ext(hello, T.server_name))).toBe('localhost');
    expect(X.decodeAlpn(ext(hello, T.application_layer_protocol_negotiation))).toEqual(['h2', 'http/1.1']);
    expect(X.decodeStatusRequest(ext(hello, T.status_request))).toEqual({ statusType: 1, responderIds: [], requestExtensions: new Uint8Array(0) });
    expect(X.decodeSupportedGroups(ext(hello, T.supported_groups))).toEqual(expect.arrayContaining([29, 23, 24]));
    expect(X.decodeEcPointFormats(ext(hello, T.ec_point_formats))).toContain(0);
    expect(X.decodeSignatureAlgorithms(ext(hello, T.signature_algorithms))).toEqual(expect.arrayContaining([0x0403, 0x0804, 0x0401]));
    X.decodeEmptyExtension(ext(hello, T.extended_master_secret), T.extended_master_secret);
    X.decodeEmptyExtension(ext(hello, T.encrypt_then_mac), T.encrypt_then_mac);
    expect(X.decodeSessionTicket(ext(hello, T.session_ticket)).length).toBe(0);
  });

  it('re-encodes to the same bytes', () => {
    expect(encodeClientHello(hello)).toEqual(raw.subarray(4));
  });
});

describe('captured openssl 3.0 ClientHello (default, TLS 1.3-capable)', () => {
  const { hello, raw } = helloFromRecords(load('openssl-3.0-client-hello-default.hex'));

  it('decodes, keeping the TLS 1.3 extensions as opaque entries', () => {
    expect(hello.version).toBe(TLS12); // legacy_version
    expect(hello.sessionId.length).toBe(32); // middlebox-compatibility session id
    expect(X.findExtension(hello.extensions, 43)).toBeDefined(); // supported_versions
    expect(X.findExtension(hello.extensions, 51)).toBeDefined(); // key_share
    expect(X.decodeServerName(ext(hello, T.server_name))).toBe('localhost');
    expect(encodeClientHello(hello)).toEqual(raw.subarray(4));
  });
});

describe.skipIf(!opensslAvailable())('live openssl s_client ClientHello', () => {
  afterAll(stopAll);

  it('decodes what the installed s_client sends', async () => {
    const bytes = await new Promise<Uint8Array>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const srv = net.createServer((s) => {
        s.on('data', (d) => {
          buf = Buffer.concat([buf, d]);
          // One record is enough: s_client's hello fits in one.
          if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
            s.destroy();
            srv.close();
            client.kill();
            resolve(new Uint8Array(buf.subarray(0, 5 + buf.readUInt16BE(3))));
          }
        });
      });
      let client: ReturnType<typeof spawn>;
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        client = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'example.test', '-tls1_2', '-alpn', 'x'], {
          stdio: ['pipe', 'ignore', 'ignore'],
        });
        client.on('error', reject);
      });
    });
    const { hello, raw } = helloFromRecords(bytes);
    expect(X.decodeServerName(ext(hello, T.server_name))).toBe('example.test');
    expect(X.decodeAlpn(ext(hello, T.application_layer_protocol_negotiation))).toEqual(['x']);
    expect(encodeClientHello(hello)).toEqual(raw.subarray(4));
  });
});

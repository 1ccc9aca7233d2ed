/**
 * The server engine fed hand-made records: malformed and out-of-order messages get the right fatal alert and a
 * precise TlsError code; extensions we do not implement are never acknowledged; nothing is buffered without bound.
 */
import { describe, it, expect } from 'vitest';
import { Engine } from '../../src/engine.js';
import { serverHandshake } from '../../src/handshake/server.js';
import { createServerContext, type ServerOptions } from '../../src/server.js';
import type { HandshakeResult } from '../../src/connection.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';
import * as M from '../../src/handshake/messages.js';
import * as X from '../../src/handshake/extensions.js';
import { ExtensionType as ET, type Extension } from '../../src/handshake/extensions.js';
import { AlertDescription as AD } from '../../src/errors.js';
import { handshake, errCode, rsaServer, rewriteClientRecords } from '../loopback/harness.js';
import { BASE_EXTENSIONS, clientHello12, hsRecord, record } from '../helpers/records.js';

const GCM = 0xc02f; // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
const CBC = 0xc013; // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA

const baseExt = BASE_EXTENSIONS;
const clientHello = (o: Partial<M.ClientHello> = {}) => clientHello12({ cipherSuites: [GCM, CBC], ...o });



/** Run the server engine over these records; its error code, the alert it sent (if any) and everything it sent. */
async function feed(records: Uint8Array[], opts: Partial<ServerOptions> = {}) {
  const ctx = createServerContext({ ...rsaServer, minVersion: 'TLSv1', ...opts });
  const e = new Engine<HandshakeResult>();
  await e.start((io) => serverHandshake(io, ctx.handshake));
  for (const r of records) await e.receive(r).catch(() => {});
  const out = e.takeOutgoing() ?? new Uint8Array(0);
  const alert = out.length >= 7 && out[out.length - 7] === 21 ? out[out.length - 1] : undefined;
  return { code: e.error?.code, alert, out, state: e.state };
}

/** The ServerHello extension types from the server's first record. */
function serverHelloExtensions(out: Uint8Array): number[] {
  const len = (out[3]! << 8) | out[4]!;
  const frag = out.subarray(5, 5 + len);
  expect(frag[0]).toBe(HT.server_hello);
  const bodyLen = (frag[1]! << 16) | (frag[2]! << 8) | frag[3]!;
  const sh = M.decodeServerHello(frag.subarray(4, 4 + bodyLen));
  return (sh.extensions ?? []).map((x) => x.type);
}

describe('malformed or out-of-order ClientHello', () => {
  const cases: [string, () => Uint8Array[], string, number][] = [
    ['truncated body', () => [hsRecord(HT.client_hello, clientHello().subarray(0, 50))], 'decode_truncated', AD.decode_error],
    ['trailing bytes after the extensions', () => [hsRecord(HT.client_hello, Uint8Array.from([...clientHello(), 0]))], 'decode_trailing_data', AD.decode_error],
    ['SSL 3.0 client_version', () => [hsRecord(HT.client_hello, clientHello({ version: 0x0300 }))], 'protocol_version', AD.protocol_version],
    ['no null compression', () => [hsRecord(HT.client_hello, clientHello({ compressionMethods: [1] }))], 'decode_bad_value', AD.illegal_parameter],
    [
      'non-empty renegotiation_info',
      () => [hsRecord(HT.client_hello, clientHello({ extensions: [...baseExt.slice(0, 3), { type: ET.renegotiation_info, data: X.encodeRenegotiationInfo(new Uint8Array(12)) }] }))],
      'protocol_insecure_renegotiation',
      AD.handshake_failure,
    ],
    ['an extension twice', () => [hsRecord(HT.client_hello, clientHello({ extensions: [...baseExt, baseExt[0]!] }))], 'decode_bad_value', AD.illegal_parameter],
    ['malformed supported_groups', () => [hsRecord(HT.client_hello, clientHello({ extensions: [{ type: ET.supported_groups, data: Uint8Array.of(0, 3, 0, 29, 0) }] }))], 'decode_bad_length', AD.decode_error],
    ['no suite in common', () => [hsRecord(HT.client_hello, clientHello({ cipherSuites: [0x0005, 0x000a] }))], 'protocol_no_shared_cipher', AD.handshake_failure],
    ['Finished instead of ClientHello', () => [hsRecord(HT.finished, new Uint8Array(12))], 'protocol_unexpected_message', AD.unexpected_message],
    ['application data before the handshake', () => [record(23, Uint8Array.of(1, 2, 3))], 'protocol_unexpected_message', AD.unexpected_message],
    [
      'FALLBACK_SCSV with a lower version',
      () => [hsRecord(HT.client_hello, clientHello({ version: 0x0302, cipherSuites: [CBC, 0x5600] }))],
      'protocol_inappropriate_fallback',
      AD.inappropriate_fallback,
    ],
    ['a record with another version after negotiation', () => [hsRecord(HT.client_hello, clientHello()), hsRecord(HT.client_key_exchange, new Uint8Array(33), 0x0302)], 'protocol_version', AD.protocol_version],
    ['a handshake message claiming 16 MiB', () => [record(22, Uint8Array.of(1, 0xff, 0xff, 0xff, 1, 2, 3))], 'decode_message_too_large', AD.decode_error],
    ['a second ClientHello instead of ClientKeyExchange', () => [hsRecord(HT.client_hello, clientHello()), hsRecord(HT.client_hello, clientHello(), 0x0303)], 'protocol_unexpected_message', AD.unexpected_message],
  ];
  for (const [name, records, code, alert] of cases) {
    it(`${name}: ${code}`, async () => {
      const r = await feed(records());
      expect(r.code).toBe(code);
      expect(r.alert).toBe(alert);
      expect(r.state).toBe('failed');
    });
  }

  it('a client below our minimum: protocol_version', async () => {
    const r = await feed([hsRecord(HT.client_hello, clientHello({ version: 0x0302 }))], { minVersion: 'TLSv1.2' });
    expect([r.code, r.alert]).toEqual(['protocol_version', AD.protocol_version]);
  });

  it('a client above TLS 1.2 gets TLS 1.2', async () => {
    const r = await feed([hsRecord(HT.client_hello, clientHello({ version: 0x0304 }))]);
    expect(r.code).toBeUndefined();
    expect([r.out[9], r.out[10]]).toEqual([3, 3]);
  });
});

describe('ServerHello extensions: only what we implement and the client asked for', () => {
  const extra: Extension[] = [
    { type: ET.status_request, data: X.encodeStatusRequest() },
    { type: ET.session_ticket, data: new Uint8Array(0) },
    { type: ET.heartbeat, data: Uint8Array.of(1) },
    { type: ET.extended_master_secret, data: new Uint8Array(0) },
    { type: ET.encrypt_then_mac, data: new Uint8Array(0) },
    { type: ET.server_name, data: X.encodeServerName('localhost') },
    { type: 0x7777, data: Uint8Array.of(1, 2) },
  ];
  it('AEAD suite: no encrypt_then_mac; status_request, session_ticket, heartbeat and unknown ones never acked', async () => {
    // Tickets are on by default (issue 6): switched off here, session_ticket must not be acknowledged either.
    const r = await feed([hsRecord(HT.client_hello, clientHello({ extensions: [...baseExt, ...extra] }))], { sessionTickets: false });
    expect(r.code).toBeUndefined();
    expect(serverHelloExtensions(r.out).sort()).toEqual([ET.renegotiation_info, ET.server_name, ET.ec_point_formats, ET.extended_master_secret].sort());
  });
  it('CBC suite: encrypt_then_mac echoed', async () => {
    const r = await feed([hsRecord(HT.client_hello, clientHello({ cipherSuites: [CBC], extensions: [...baseExt, ...extra] }))]);
    expect(serverHelloExtensions(r.out)).toContain(ET.encrypt_then_mac);
  });
  it('the SCSV alone asks for renegotiation_info; without either there is none', async () => {
    const withScsv = await feed([hsRecord(HT.client_hello, clientHello({ cipherSuites: [GCM, 0x00ff], extensions: baseExt.slice(0, 3) }))]);
    expect(serverHelloExtensions(withScsv.out)).toContain(ET.renegotiation_info);
    const without = await feed([hsRecord(HT.client_hello, clientHello({ extensions: baseExt.slice(0, 3) }))]);
    expect(serverHelloExtensions(without.out)).not.toContain(ET.renegotiation_info);
  });
  it('the downgrade sentinel marks TLS 1.1 from a server that can do 1.2, and only then', async () => {
    const sentinel = Buffer.from('444f574e47524400', 'hex');
    const random = (out: Uint8Array) => Buffer.from(out.subarray(5 + 4 + 2, 5 + 4 + 2 + 32));
    const down = await feed([hsRecord(HT.client_hello, clientHello({ version: 0x0302, cipherSuites: [CBC] }))]);
    expect(random(down.out).subarray(24).equals(sentinel)).toBe(true);
    const pinned = await feed([hsRecord(HT.client_hello, clientHello({ version: 0x0302, cipherSuites: [CBC] }))], { maxVersion: 'TLSv1.1' });
    expect(random(pinned.out).subarray(24).equals(sentinel)).toBe(false);
  });
});

// TLS 1.2's ClientKeyExchange (the 1.3 key_share cases are in test/hostile/server13.test.ts): clients pinned to 1.2.
describe('bad key shares and Finished, through a real client with rewritten records', () => {
  const rewriteCke = (mutate: (body: Uint8Array) => void) =>
    rewriteClientRecords((type, frag) => {
      if (type === 22 && frag[0] === HT.client_key_exchange) mutate(frag.subarray(4));
      return frag;
    });
  it('an all-zero x25519 share: illegal_parameter (crypto_bad_key_share)', async () => {
    const o = await handshake({ groups: ['x25519'], maxVersion: 'TLSv1.2' }, { ...rsaServer }, rewriteCke((b) => b.fill(0, 1)));
    expect(errCode(o.server)).toBe('crypto_bad_key_share');
    expect(errCode(o.client)).toBe('peer_alert_illegal_parameter');
  });
  it('a P-256 share off the curve: illegal_parameter', async () => {
    const o = await handshake({ groups: ['secp256r1'], maxVersion: 'TLSv1.2' }, { ...rsaServer }, rewriteCke((b) => (b[b.length - 1]! ^= 1)));
    expect(errCode(o.server)).toBe('crypto_bad_key_share');
  });
  it('a DHE share of 1: illegal_parameter', async () => {
    const o = await handshake(
      { cipherSuites: ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'] },
      { ...rsaServer },
      rewriteCke((b) => {
        b.fill(0, 2);
        b[b.length - 1] = 1;
      }),
    );
    expect(errCode(o.server)).toBe('crypto_bad_key_share');
  });
  it('a ClientKeyExchange with trailing bytes: decode_error', async () => {
    const o = await handshake(
      { maxVersion: 'TLSv1.2' },
      { ...rsaServer },
      rewriteClientRecords((type, frag) => {
        if (type !== 22 || frag[0] !== HT.client_key_exchange) return frag;
        const body = Uint8Array.from([...frag.subarray(4), 0]);
        return Uint8Array.from([HT.client_key_exchange, 0, 0, body.length, ...body]);
      }),
    );
    expect(errCode(o.server)).toBe('decode_trailing_data');
    expect(errCode(o.client)).toBe('peer_alert_decode_error');
  });
});

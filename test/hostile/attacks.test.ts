/**
 * Known attacks, each a test named after it, run end to end between our client and server engines with one side
 * scripted (test/hostile/scripted.ts): the forged flight is otherwise valid — signed with the real key, encrypted
 * with the real keys — so each test fails only for the reason it names.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { duel, code, defaultClient, defaultServer, rawWrite, pki, type Script } from './scripted.js';
import { signedSke, editServerHello, editClientHello, hex, randoms } from './forge.js';
import * as M from '../../src/handshake/messages.js';
import * as X from '../../src/handshake/extensions.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';
import { AlertDescription as AD } from '../../src/errors.js';
import { CIPHER_SUITES } from '../../src/crypto/suites.js';
import { FFDHE, GROUPS } from '../../src/crypto/kex.js';
import { bigIntToMinBytes } from '../../src/crypto/bigint.js';
import { hashCreate } from '../../src/crypto/hash.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { derBlobs } from '../../src/pem.js';
import { base64Encode } from '../../src/pem.js';
import { connect } from '../../src/client.js';
import { accept } from '../../src/server.js';
import { memoryPair } from '../../src/transport/memory.js';
import type { ByteStream } from '../../src/transport/types.js';

const isMsg = (type: number) => (s: { kind: string; type?: number }) => s.kind === 'msg' && s.type === type;
/** Replace the body of the first message of `type`. */
const replace = (type: number, body: (orig: Uint8Array, api: Parameters<Script>[2]) => Uint8Array): Script => (s, _i, api) =>
  s.kind === 'msg' && s.type === type ? body(s.body, api) : undefined;

const P256_POINT = (parseCertificate(derBlobs(pki.serverEcdsa.cert)[0]!.der).publicKey as { point: Uint8Array }).point;

describe('Lucky13', () => {
  // The record layer's own test counts hash compressions across padding lengths and failure kinds:
  // test/record/lucky13.test.ts. End to end here: a server opening a tampered MAC-then-encrypt record.
  let restore: (() => void) | null = null;
  afterEach(() => restore?.());

  it('bad padding and bad MAC cost the same hash work, and end with the same code and alert', async () => {
    let count = 0;
    let proto = Object.getPrototypeOf(hashCreate('sha1'));
    while (!Object.prototype.hasOwnProperty.call(proto, 'process')) proto = Object.getPrototypeOf(proto);
    const original = proto.process;
    proto.process = function (this: unknown, ...a: unknown[]) {
      count++;
      return original.apply(this, a);
    };
    restore = () => (proto.process = original);
    const run = async (tamper: (rec: Uint8Array) => void) => {
      const d = await duel({ client: defaultClient({ cipherSuites: ['TLS_RSA_WITH_AES_128_CBC_SHA'], encryptThenMac: false }) });
      await d.pump();
      expect([d.client.state, d.server.state]).toEqual(['open', 'open']);
      await d.client.send(new Uint8Array(200).fill(0x61));
      const rec = d.client.takeOutgoing()!;
      tamper(rec);
      count = 0;
      await d.server.receive(rec).catch(() => {});
      const work = count;
      const alert = d.server.takeOutgoing()!;
      return { work, code: code(d.server), alertLen: alert.length };
    };
    // Record: header(5) | explicit IV(16) | 200 data + 20 MAC + 4 padding = 224 bytes in 14 blocks.
    const badPadding = await run((r) => (r[r.length - 17]! ^= 0x01)); // last byte of the next-to-last block: the padding length
    const badMac = await run((r) => (r[5]! ^= 0x01)); // IV byte: the first data byte changes, padding stays good
    expect(badPadding.code).toBe('crypto_bad_record_mac');
    expect(badMac).toEqual(badPadding);
  });
});

describe('Bleichenbacher / ROBOT', () => {
  // Full matrix (bad padding, wrong version, wrong length, valid-but-foreign premaster over TLS 1.0 and 1.2):
  // test/server/bleichenbacher.test.ts. Here: the same outcome for every kind, counted in records and alerts.
  it('every kind of bad premaster fails at Finished with the same code, alert and bytes sent', async () => {
    const { modPow, bytesToBigInt, bigIntToBytes } = await import('../../src/crypto/bigint.js');
    const pub = parseCertificate(derBlobs(pki.serverRsa.cert)[0]!.der).publicKey as { n: bigint; e: bigint };
    const k = 256;
    const enc = (em: Uint8Array) => bigIntToBytes(modPow(bytesToBigInt(em), pub.e, pub.n), k);
    const block = (type: number, msg: Uint8Array, sep = true) => {
      const em = new Uint8Array(k).fill(0x55);
      em[0] = 0;
      em[1] = type;
      em[k - msg.length - 1] = sep ? 0 : 7;
      em.set(msg, k - msg.length);
      return em;
    };
    const pm = (maj: number, min: number, len = 48) => Uint8Array.from([maj, min, ...new Uint8Array(len - 2).fill(9)]);
    const kinds = {
      valid: enc(block(2, pm(3, 3))),
      blockType1: enc(block(1, pm(3, 3))),
      noSeparator: enc(block(2, pm(3, 3), false)),
      wrongVersion: enc(block(2, pm(3, 1))),
      short: enc(block(2, pm(3, 3, 47))),
    };
    const outcomes = [];
    for (const ct of Object.values(kinds)) {
      const d = await duel({
        client: defaultClient({ cipherSuites: ['TLS_RSA_WITH_AES_128_GCM_SHA256'] }),
        clientScript: replace(HT.client_key_exchange, () => M.encodeClientKeyExchange({ kind: 'RSA', encryptedPreMasterSecret: ct })),
      });
      await d.pump();
      outcomes.push({ code: code(d.server), sent: d.sent.server, records: d.records.server, alerts: d.plainAlerts.server });
    }
    // The server went on with a random premaster, so the client's Finished record does not even decrypt.
    expect(outcomes[0]).toMatchObject({ code: 'crypto_bad_record_mac', alerts: [[2, AD.bad_record_mac]] });
    for (const o of outcomes) expect(o).toEqual(outcomes[0]);
  });
});

describe('invalid-curve and off-curve points', () => {
  const bad: Record<string, Uint8Array> = {
    'off the curve (y + 1)': (() => {
      const p = P256_POINT.slice();
      p[64]! ^= 1;
      return p;
    })(),
    'point at infinity': Uint8Array.of(0),
    'compressed form': Uint8Array.of(2, ...P256_POINT.subarray(1, 33)),
    'x = y = p (out of range)': Uint8Array.of(4, ...hex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'), ...hex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff')),
    'a P-384-sized point': Uint8Array.of(4, ...new Uint8Array(96).fill(7)),
    'all zero': new Uint8Array(65),
  };
  for (const [name, point] of Object.entries(bad)) {
    it(`P-256 ClientKeyExchange: ${name} -> crypto_bad_key_share, illegal_parameter`, async () => {
      const d = await duel({
        client: defaultClient({ groups: ['secp256r1'] }),
        clientScript: replace(HT.client_key_exchange, () => M.encodeClientKeyExchange({ kind: 'ECDHE', publicKey: point })),
      });
      await d.pump();
      expect(code(d.server)).toBe('crypto_bad_key_share');
      expect(d.plainAlerts.server).toEqual([[2, AD.illegal_parameter]]);
    });
    it(`P-256 ServerKeyExchange (validly signed): ${name} -> crypto_bad_key_share`, async () => {
      const d = await duel({
        client: defaultClient({ groups: ['secp256r1'] }),
        serverScript: replace(HT.server_key_exchange, (_b, api) => signedSke(api, { kind: 'ECDHE', curveType: M.NAMED_CURVE, group: GROUPS.secp256r1, publicKey: point })),
      });
      await d.pump();
      expect(code(d.client)).toBe('crypto_bad_key_share');
      expect(d.plainAlerts.client).toEqual([[2, AD.illegal_parameter]]);
    });
  }
});

describe('low-order x25519 points (all-zero shared secret)', () => {
  // RFC 7748 §6.1: the check for an all-zero output. These are the small-order u-coordinates and their
  // non-canonical aliases (p, p + 1, 2^255 - 1 ...).
  const points = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ];
  for (const p of points) {
    it(`ClientKeyExchange ${p.slice(0, 8)}… and ServerKeyExchange: rejected`, async () => {
      const d = await duel({ clientScript: replace(HT.client_key_exchange, () => M.encodeClientKeyExchange({ kind: 'ECDHE', publicKey: hex(p) })) });
      await d.pump();
      expect(code(d.server)).toBe('crypto_bad_key_share');
      expect(d.plainAlerts.server).toEqual([[2, AD.illegal_parameter]]);
      const d2 = await duel({ serverScript: replace(HT.server_key_exchange, (_b, api) => signedSke(api, { kind: 'ECDHE', curveType: M.NAMED_CURVE, group: GROUPS.x25519, publicKey: hex(p) })) });
      await d2.pump();
      expect(code(d2.client)).toBe('crypto_bad_key_share');
    });
  }
});

describe('Logjam: small or non-safe DHE groups', () => {
  const p2048 = FFDHE.ffdhe2048;
  const dhe = (p: bigint, g: bigint, ys: bigint) => ({ kind: 'DHE' as const, p: bigIntToMinBytes(p), g: bigIntToMinBytes(g), ys: bigIntToMinBytes(ys) });
  const client = () => defaultClient({ cipherSuites: ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'], groups: ['ffdhe2048'] });
  const cases: [string, ReturnType<typeof dhe>, string][] = [
    ['512-bit export-grade prime', dhe((1n << 511n) + 111n, 2n, 5n), 'crypto_weak_dh_group'],
    ['1024-bit prime', dhe((1n << 1023n) + 1155n, 2n, 5n), 'crypto_weak_dh_group'],
    ['2048-bit composite modulus', dhe(p2048 * 1n + 2n * 3n * 5n * 7n * 2n, 2n, 5n), 'crypto_weak_dh_group'],
    ['generator 1', dhe(p2048, 1n, 5n), 'crypto_weak_dh_group'],
    ['generator p - 1 (order 2)', dhe(p2048, p2048 - 1n, 5n), 'crypto_weak_dh_group'],
    ['public value 1', dhe(p2048, 2n, 1n), 'crypto_bad_key_share'],
    ['public value p - 1', dhe(p2048, 2n, p2048 - 1n), 'crypto_bad_key_share'],
  ];
  for (const [name, params, want] of cases) {
    it(`${name} -> ${want}`, async () => {
      const d = await duel({ client: client(), serverScript: replace(HT.server_key_exchange, (_b, api) => signedSke(api, params)) });
      await d.pump();
      expect(code(d.client)).toBe(want);
      expect(d.plainAlerts.client).toEqual([[2, want === 'crypto_weak_dh_group' ? AD.insufficient_security : AD.illegal_parameter]]);
    });
  }
  it('client public value 1 or p - 1 -> crypto_bad_key_share on the server', async () => {
    for (const yc of [1n, p2048 - 1n]) {
      const d = await duel({ client: client(), clientScript: replace(HT.client_key_exchange, () => M.encodeClientKeyExchange({ kind: 'DHE', yc: bigIntToMinBytes(yc) })) });
      await d.pump();
      expect(code(d.server)).toBe('crypto_bad_key_share');
    }
  });
});

describe('FREAK and export suites', () => {
  const EXPORT = [0x0003, 0x0006, 0x0008, 0x000b, 0x000e, 0x0011, 0x0014, 0x0017, 0x0019, 0x0062, 0x0063, 0x0064, 0x0065];
  it('never offered: no export, RC4, DES, NULL or anonymous suite in the table or in our ClientHello', async () => {
    for (const s of CIPHER_SUITES) expect(s.name).not.toMatch(/EXPORT|RC4|DES|NULL|anon|MD5/);
    const d = await duel();
    const ch = M.decodeClientHello(M.encodeClientHello(M.decodeClientHello(d.client.transcript.bytes().subarray(4))));
    for (const id of ch.cipherSuites) expect(CIPHER_SUITES.some((s) => s.id === id) || id === 0x00ff).toBe(true);
  });
  it('never accepted: a client offering only export suites gets handshake_failure', async () => {
    const d = await duel({ clientScript: replace(HT.client_hello, (b) => editClientHello(b, (m) => (m.cipherSuites = EXPORT))) });
    await d.pump();
    expect(code(d.server)).toBe('protocol_no_shared_cipher');
    expect(d.plainAlerts.server).toEqual([[2, AD.handshake_failure]]);
  });
  it('a server choosing an export suite is refused', async () => {
    const d = await duel({ serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => (m.cipherSuite = 0x0003))) });
    await d.pump();
    expect(code(d.client)).toBe('protocol_illegal_parameter');
    expect(d.plainAlerts.client).toEqual([[2, AD.illegal_parameter]]);
  });
  it('FREAK: a ServerKeyExchange (ephemeral RSA key) in an RSA key exchange is unexpected', async () => {
    const d = await duel({
      client: defaultClient({ cipherSuites: ['TLS_RSA_WITH_AES_128_GCM_SHA256'] }),
      serverScript: async (s, _i, api) => {
        if (s.kind === 'msg' && s.type === HT.server_hello_done) await api.send(HT.server_key_exchange, hex('0040' + 'c3'.repeat(64) + '0003010001' + '0100' + '00'.repeat(256)));
      },
    });
    await d.pump();
    expect(code(d.client)).toBe('protocol_unexpected_message');
  });
});

describe('triple handshake (extended master secret)', () => {
  it('EMS is negotiated by default, both ways', async () => {
    let ext: number[] = [];
    const d = await duel({ serverScript: (s) => { if (s.kind === 'msg' && s.type === HT.server_hello) ext = (M.decodeServerHello(s.body).extensions ?? []).map((e) => e.type); } });
    await d.pump();
    expect(ext).toContain(X.ExtensionType.extended_master_secret);
  });
  it('a server that drops EMS is refused by a client that requires it', async () => {
    const c = { ...defaultClient(), requireExtendedMasterSecret: true };
    const d = await duel({ client: c, serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => (m.extensions = m.extensions!.filter((e) => e.type !== 23)))) });
    await d.pump();
    expect(code(d.client)).toBe('protocol_no_ems');
    expect(d.plainAlerts.client).toEqual([[2, AD.handshake_failure]]);
  });
  it('stripping EMS on the wire leaves the two sides with different master secrets', async () => {
    const d = await duel({ serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => (m.extensions = m.extensions!.filter((e) => e.type !== 23)))) });
    await d.pump();
    // The client derived the classic master secret, the server the extended one: the client's Finished does not
    // even decrypt under the server's keys.
    expect(code(d.server)).toBe('crypto_bad_record_mac');
  });
  it('resuming an EMS session without EMS is refused (RFC 7627 §5.3)', async () => {
    const sid = new Uint8Array(32).fill(0x42);
    const session = { version: 0x0303 as const, cipherSuite: 0xc02f, masterSecret: base64Encode(new Uint8Array(48)), sessionId: base64Encode(sid), extendedMasterSecret: true, serverName: 'localhost', peerChain: [], createdAt: 0 };
    const d = await duel({
      // A policy the session satisfies (nothing verified, nothing required), so the client offers it.
      client: { ...defaultClient(), session, sessionPolicy: async () => ({ verifyMode: 'none' as const, minRsaBits: 0, minDhBits: 0, allowNonEmsResumption: false, signatureSchemes: [], ocsp: false }) } as ReturnType<typeof defaultClient>,
      serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => {
        m.sessionId = sid;
        m.cipherSuite = 0xc02f;
        m.extensions = m.extensions!.filter((e) => e.type !== 23);
      })),
    });
    await d.pump();
    expect(code(d.client)).toBe('protocol_handshake_failure');
  });
});

describe('insecure renegotiation (RFC 5746)', () => {
  it('a server without renegotiation_info is refused', async () => {
    const d = await duel({ serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => (m.extensions = m.extensions!.filter((e) => e.type !== 0xff01)))) });
    await d.pump();
    expect(code(d.client)).toBe('protocol_insecure_renegotiation');
    expect(d.plainAlerts.client).toEqual([[2, AD.handshake_failure]]);
  });
  it('a non-empty renegotiation_info in the initial ServerHello is refused', async () => {
    const d = await duel({ serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => (m.extensions = m.extensions!.map((e) => (e.type === 0xff01 ? { type: e.type, data: X.encodeRenegotiationInfo(new Uint8Array(12)) } : e))))) });
    await d.pump();
    expect(code(d.client)).toBe('protocol_insecure_renegotiation');
  });
  it('a non-empty renegotiation_info in the initial ClientHello is refused', async () => {
    const d = await duel({ clientScript: replace(HT.client_hello, (b) => editClientHello(b, (m) => m.extensions!.push({ type: 0xff01, data: X.encodeRenegotiationInfo(new Uint8Array(12)) }))) });
    await d.pump();
    expect(code(d.server)).toBe('protocol_insecure_renegotiation');
    expect(d.plainAlerts.server).toEqual([[2, AD.handshake_failure]]);
  });
  it('renegotiation after the handshake is refused with a no_renegotiation warning', async () => {
    const d = await duel();
    await d.pump();
    await rawWrite(d.server, 22, Uint8Array.of(HT.hello_request, 0, 0, 0));
    const out = await (async () => {
      await d.client.receive(d.server.takeOutgoing()!);
      return d.client.takeOutgoing();
    })();
    expect(out?.[0]).toBe(21); // an (encrypted) alert record, taken by the server as the warning
    await d.server.receive(out!);
    expect([d.client.state, d.server.state]).toEqual(['open', 'open']);
  });
});

describe('truncation (no close_notify)', () => {
  it('the transport ending without close_notify is io_truncated under suppressRaggedEofs: false, with close_notify it is a clean end', async () => {
    const d = await duel({ suppressRaggedEofs: false });
    await d.pump();
    d.client.receiveEof();
    expect(code(d.client)).toBe('io_truncated');
    expect(d.client.truncated).toBe(false);
    const d2 = await duel({ suppressRaggedEofs: false });
    await d2.pump();
    await d2.server.close();
    await d2.client.receive(d2.server.takeOutgoing()!);
    d2.client.receiveEof();
    expect(d2.client.error).toBeNull();
    expect(d2.client.peerClosed).toBe(true);
  });
  it('by default an end at a record boundary after the handshake is a clean end with truncated set (a ragged EOF)', async () => {
    const d = await duel();
    await d.pump();
    d.client.receiveEof();
    expect(d.client.error).toBeNull();
    expect(d.client.peerClosed).toBe(true);
    expect(d.client.truncated).toBe(true);
  });
  it('an end during the handshake, inside a record or inside a post-handshake message is io_truncated whatever the setting', async () => {
    const during = await duel();
    during.client.receiveEof();
    expect(code(during.client)).toBe('io_truncated');
    // A record cut after its header: the rest of the record never comes.
    const d = await duel();
    await d.pump();
    await d.server.send(new TextEncoder().encode('half a record'));
    const rec = d.server.takeOutgoing()!;
    await d.client.receive(rec.subarray(0, 9));
    d.client.receiveEof();
    expect(code(d.client)).toBe('io_truncated');
    expect(d.client.truncated).toBe(false);
  });
  it('end to end: suppressRaggedEofs: false, a reader of connect() sees io_truncated when the server side vanishes; by default a clean end with truncated', async () => {
    for (const strict of [true, false]) {
      const [a, b] = memoryPair();
      let cut!: () => void;
      const wrapped: ByteStream = {
        writable: a.writable,
        readable: a.readable.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ start: (c) => { cut = () => c.terminate(); } })),
      };
      const [client, server] = await Promise.all([
        connect({ transport: wrapped, ca: pki.ca, serverName: 'localhost', ...(strict ? { suppressRaggedEofs: false } : {}) }),
        accept({ transport: b, ...pki.serverRsa }),
      ]);
      const sw = server.writable.getWriter();
      await sw.write(new TextEncoder().encode('partial'));
      const r = client.readable.getReader();
      expect(new TextDecoder().decode((await r.read()).value)).toBe('partial');
      cut();
      if (strict) await expect(r.read()).rejects.toMatchObject({ code: 'io_truncated' });
      else {
        expect(await r.read()).toEqual({ done: true, value: undefined });
        expect(client.truncated).toBe(true);
      }
    }
  });
});

describe('cipher suite or version not offered by the client', () => {
  it('a suite the client did not offer', async () => {
    const d = await duel({
      client: defaultClient({ cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] }),
      serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => (m.cipherSuite = 0xc030))),
    });
    await d.pump();
    expect(code(d.client)).toBe('protocol_illegal_parameter');
  });
  it('a TLS 1.2-only suite with TLS 1.0', async () => {
    const d = await duel({
      client: defaultClient({ minVersion: 'TLSv1', maxVersion: 'TLSv1.2' }),
      serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => ((m.version = 0x0301), (m.cipherSuite = 0xc02f)))),
    });
    await d.pump();
    expect(['protocol_illegal_parameter', 'protocol_downgrade']).toContain(code(d.client));
  });
  for (const v of [0x0300, 0x0301, 0x0302, 0x0304, 0x7f1c]) {
    it(`a ServerHello version 0x${v.toString(16)} outside the client's 1.2-only range -> protocol_version`, async () => {
      const d = await duel({ serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => (m.version = v))) });
      await d.pump();
      expect(code(d.client)).toBe('protocol_version');
      expect(d.plainAlerts.client).toEqual([[2, AD.protocol_version]]);
    });
  }
});

describe('compression other than null', () => {
  it('a server choosing DEFLATE is refused', async () => {
    const d = await duel({ serverScript: replace(HT.server_hello, (b) => editServerHello(b, (m) => (m.compressionMethod = 1))) });
    await d.pump();
    expect(code(d.client)).toBe('protocol_illegal_parameter');
  });
  it('a client offering only DEFLATE is refused; null among others is chosen', async () => {
    const d = await duel({ clientScript: replace(HT.client_hello, (b) => editClientHello(b, (m) => (m.compressionMethods = [1]))) });
    await d.pump();
    expect(code(d.server)).toMatch(/^decode_/);
    expect(d.server.state).toBe('failed');
    let chosen = -1;
    const ok = await duel({
      clientScript: (s, _i, api) => {
        if (s.kind === 'msg' && s.type === HT.client_hello) return editClientHello(s.body, (m) => (m.compressionMethods = [1, 64, 0]));
        void api;
      },
      serverScript: (s) => { if (s.kind === 'msg' && s.type === HT.server_hello) chosen = M.decodeServerHello(s.body).compressionMethod; },
    });
    await ok.pump();
    expect(chosen).toBe(0);
  });
});

describe('SSLv2-style and SSLv3 hellos', () => {
  it('an SSLv2-format ClientHello is refused as not TLS', async () => {
    const d = await duel();
    d.client.takeOutgoing();
    // SSL 2.0 CLIENT-HELLO: 2-byte length with the top bit set, msg type 1, version 3.1, cipher specs, challenge.
    const v2 = hex('802e0103010015000000100000390000380000350000160000130000' + '0a0700c0' + '00'.repeat(16).slice(0, 0) + 'aa'.repeat(16));
    await d.server.receive(v2).catch(() => {});
    expect(code(d.server)).toBe('decode_not_tls');
  });
  it('an SSLv3 ClientHello (client_version 3.0) gets protocol_version', async () => {
    const d = await duel({ clientScript: replace(HT.client_hello, (b) => editClientHello(b, (m) => (m.version = 0x0300))) });
    await d.pump();
    expect(code(d.server)).toBe('protocol_version');
    expect(d.plainAlerts.server).toEqual([[2, AD.protocol_version]]);
  });
});

describe('heartbeat (never acked)', () => {
  it('a heartbeat extension in ClientHello is not acknowledged', async () => {
    let ext: number[] = [];
    const d = await duel({
      clientScript: replace(HT.client_hello, (b) => editClientHello(b, (m) => m.extensions!.push({ type: 15, data: Uint8Array.of(1) }))),
      serverScript: (s) => { if (s.kind === 'msg' && s.type === HT.server_hello) ext = (M.decodeServerHello(s.body).extensions ?? []).map((e) => e.type); },
    });
    await d.pump(false);
    expect(ext).not.toContain(15);
  });
  it('a heartbeat record, before or after the handshake, is fatal (unexpected_message)', async () => {
    const d = await duel();
    await d.server.receive(Uint8Array.of(24, 3, 3, 0, 3, 1, 0x40, 0)).catch(() => {});
    expect(code(d.server)).toBe('decode_bad_content_type');
    const d2 = await duel();
    await d2.pump();
    await d2.client.receive(Uint8Array.of(24, 3, 3, 0, 3, 1, 0x40, 0)).catch(() => {});
    expect(code(d2.client)).toBe('decode_bad_content_type');
    expect(d2.client.error!.alert).toBe(AD.unexpected_message);
  });
});

describe('oversize and zero-length records', () => {
  it('a record longer than 2^14 + 2048 is record_overflow', async () => {
    const d = await duel();
    await d.server.receive(Uint8Array.of(22, 3, 1, 0x48, 0x01)).catch(() => {});
    expect(code(d.server)).toBe('decode_record_overflow');
    expect(d.server.takeOutgoing()).toEqual(Uint8Array.of(21, 3, 1, 0, 2, 2, AD.record_overflow));
  });
  it('a plaintext record over 2^14 bytes is record_overflow', async () => {
    const d = await duel();
    const big = new Uint8Array(5 + 16385);
    big.set([22, 3, 1, 0x40, 0x01]);
    await d.server.receive(big).catch(() => {});
    expect(code(d.server)).toBe('decode_record_overflow');
  });
  it('empty handshake, alert and CCS records are refused', async () => {
    for (const t of [20, 21, 22]) {
      const d = await duel();
      await d.server.receive(Uint8Array.of(t, 3, 1, 0, 0)).catch(() => {});
      expect(code(d.server)).toBe('decode_bad_length');
    }
  });
  it('a flood of empty application data records hits the configurable cap', async () => {
    const emptyRecords = async (n: number, limit?: number) => {
      const d = await duel(limit !== undefined ? { limits: { maxEmptyRecords: limit } } : {});
      await d.pump();
      for (let i = 0; i < n; i++) await rawWrite(d.server, 23, new Uint8Array(0));
      await d.client.receive(d.server.takeOutgoing()!).catch(() => {});
      return code(d.client);
    };
    expect(await emptyRecords(32)).toBeUndefined();
    expect(await emptyRecords(33)).toBe('protocol_empty_records');
    expect(await emptyRecords(4, 4)).toBeUndefined();
    expect(await emptyRecords(5, 4)).toBe('protocol_empty_records');
  });
});

describe('signature malleability (ServerKeyExchange)', () => {
  const ecdsa = () => ({ client: defaultClient({ cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }), server: defaultServer({ ecdsa: true }) });
  const ecParams = (api: Parameters<Script>[2], body: Uint8Array) => M.decodeServerKeyExchange(body, 'ECDHE', 0x0303) as M.EcdheParams & M.SignedParams;
  /** DER Ecdsa-Sig-Value rewritten: the ways BER and arithmetic can alter an encoding that a lax parser accepts. */
  const derMutations: Record<string, (sig: Uint8Array) => Uint8Array> = {
    'trailing byte after the DER': (s) => Uint8Array.of(...s, 0),
    'BER long-form length': (s) => Uint8Array.of(0x30, 0x81, s[1]!, ...s.subarray(2)),
    'r with a superfluous leading zero': (s) => {
      const rl = s[3]!;
      return Uint8Array.of(0x30, s[1]! + 1, 0x02, rl + 1, 0, ...s.subarray(4));
    },
    'flipped bit in s': (s) => {
      const t = s.slice();
      t[t.length - 1]! ^= 1;
      return t;
    },
    'r = 0': (s) => {
      const rl = s[3]!;
      const rest = s.subarray(4 + rl);
      return Uint8Array.of(0x30, 3 + rest.length, 2, 1, 0, ...rest);
    },
  };
  for (const [name, mangle] of Object.entries(derMutations)) {
    it(`ECDSA: ${name} -> crypto_bad_signature, decrypt_error`, async () => {
      const d = await duel({
        ...ecdsa(),
        serverScript: replace(HT.server_key_exchange, (b, api) => {
          const p = ecParams(api, b);
          return signedSke(api, { kind: 'ECDHE', curveType: M.NAMED_CURVE, group: p.group, publicKey: p.publicKey }, 'ecdsa', mangle);
        }),
      });
      await d.pump();
      expect(code(d.client)).toBe('crypto_bad_signature');
      expect(d.plainAlerts.client).toEqual([[2, AD.decrypt_error]]);
    });
  }
  it('the untouched re-signed exchange verifies (the forgery path itself is sound)', async () => {
    const d = await duel({
      ...ecdsa(),
      serverScript: replace(HT.server_key_exchange, (b, api) => {
        const p = ecParams(api, b);
        return signedSke(api, { kind: 'ECDHE', curveType: M.NAMED_CURVE, group: p.group, publicKey: p.publicKey }, 'ecdsa');
      }),
    });
    await d.pump();
    expect([d.client.state, d.server.state]).toEqual(['open', 'open']);
  });
  for (const [name, mangle] of Object.entries({
    'RSA-PSS: signature with a leading zero byte (k + 1 bytes)': (s: Uint8Array) => Uint8Array.of(0, ...s),
    'RSA-PSS: signature one byte short': (s: Uint8Array) => s.subarray(1),
    'RSA-PSS: signature + n (same value mod n, out of range)': (s: Uint8Array) => {
      const n = (parseCertificate(derBlobs(pki.serverRsa.cert)[0]!.der).publicKey as { n: bigint }).n;
      const v = BigInt('0x' + Buffer.from(s).toString('hex')) + n;
      return hex(v.toString(16).padStart(2 * (s.length + 1), '0'));
    },
  })) {
    it(`${name} -> crypto_bad_signature`, async () => {
      const d = await duel({
        serverScript: replace(HT.server_key_exchange, (b, api) => {
          const p = M.decodeServerKeyExchange(b, 'ECDHE', 0x0303) as M.EcdheParams;
          return signedSke(api, { kind: 'ECDHE', curveType: M.NAMED_CURVE, group: p.group, publicKey: p.publicKey }, 'rsa', mangle);
        }),
      });
      await d.pump();
      expect(code(d.client)).toBe('crypto_bad_signature');
    });
  }
});

void randoms;

/**
 * The hybrid post-quantum groups (draft-ietf-tls-ecdhe-mlkem) between our own client and server: X25519MLKEM768 by
 * default in TLS 1.3 (key shares for it and x25519, in that order), SecP256r1MLKEM768 when configured,
 * HelloRetryRequest to a hybrid group, never in TLS 1.2, and hostile shares of the wrong size on either side.
 */
import { describe, it, expect } from 'vitest';
import { duel, defaultClient, defaultServer, code, type Script } from '../hostile/scripted.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';
import * as M from '../../src/handshake/messages.js';
import * as X from '../../src/handshake/extensions.js';
import * as X13 from '../../src/handshake/extensions13.js';
import { ExtensionType as ET, findExtension } from '../../src/handshake/extensions.js';
import { GROUPS } from '../../src/crypto/kex.js';
import { TLS12, TLS13 } from '../../src/crypto/suites.js';
import { memoryPair } from '../../src/transport/memory.js';
import { accept } from '../../src/server.js';
import { connect } from '../../src/client.js';
import { pki } from '../helpers/pki.js';
import { clientAgreeEphemeral } from '../../src/handshake/key-agreement.js';
import type { HandshakeIO } from '../../src/handshake/io.js';

const KS = X13.ExtensionType13.key_share;
const client13 = (o: Parameters<typeof defaultClient>[0] = {}) => defaultClient({ maxVersion: 'TLSv1.3', ...o });
const server13 = (o: Parameters<typeof defaultServer>[0] = {}) => defaultServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ...o });

/** Records the ClientHellos a client sends (as the engine framed them: 4-byte header + body). */
function watchHellos(into: M.ClientHello[], sizes: number[]): Script {
  return (step) => {
    if (step.kind !== 'msg' || step.type !== HT.client_hello) return;
    into.push(M.decodeClientHello(step.body));
    sizes.push(4 + step.body.length);
  };
}

async function run(client: ReturnType<typeof client13>, server: ReturnType<typeof server13>, clientScript?: Script, serverScript?: Script) {
  const d = await duel({ client, server, ...(clientScript ? { clientScript } : {}), ...(serverScript ? { serverScript } : {}) });
  await d.pump();
  return d;
}

describe('X25519MLKEM768 and SecP256r1MLKEM768 between our client and server', () => {
  for (const g of ['X25519MLKEM768', 'SecP256r1MLKEM768'] as const) {
    it(`groups: ['${g}'] on both ends: both name ${g}`, async () => {
      const d = await run(client13({ groups: [g] }), server13({ groups: [g] }));
      expect(d.client.error).toBeNull();
      expect(d.server.error).toBeNull();
      const [c, s] = [await d.client.handshake, await d.server.handshake];
      expect([c.version, c.group, s.group]).toEqual([TLS13, g, g]);
      expect(c.exporterSecret).toEqual(s.exporterSecret);
    });
  }

  it('defaults: the ClientHello shares X25519MLKEM768 then x25519, lists the hybrid first, and the server takes it', async () => {
    const hellos: M.ClientHello[] = [];
    const sizes: number[] = [];
    const d = await run(client13(), server13(), watchHellos(hellos, sizes));
    expect(d.client.error).toBeNull();
    expect((await d.client.handshake).group).toBe('X25519MLKEM768');
    expect((await d.server.handshake).group).toBe('X25519MLKEM768');
    expect(hellos.length).toBe(1); // no HelloRetryRequest
    const shares = X13.decodeKeyShareClient(findExtension(hellos[0]!.extensions, KS)!.data);
    expect(shares.map((s) => [s.group, s.keyExchange.length])).toEqual([
      [GROUPS.X25519MLKEM768, 1216],
      [GROUPS.x25519, 32],
    ]);
    expect(X.decodeSupportedGroups(findExtension(hellos[0]!.extensions, ET.supported_groups)!.data)[0]).toBe(GROUPS.X25519MLKEM768);
    // Sized with care: the two shares plus the usual extensions stay well under two 1500-byte packets.
    expect(sizes[0]).toBeLessThan(1800);
  });

  it('a server without ML-KEM takes the x25519 share: no round trip lost', async () => {
    const hellos: M.ClientHello[] = [];
    const d = await run(client13(), server13({ groups: ['x25519', 'secp256r1'] }), watchHellos(hellos, []));
    expect((await d.client.handshake).group).toBe('x25519');
    expect(hellos.length).toBe(1);
  });

  for (const g of ['X25519MLKEM768', 'SecP256r1MLKEM768'] as const) {
    it(`HelloRetryRequest to ${g}: a client that shared only x25519 retries with one hybrid share`, async () => {
      const hellos: M.ClientHello[] = [];
      const client = { ...client13({ groups: ['x25519', g] }), keyShareGroups: [GROUPS.x25519] };
      const d = await run(client, server13({ groups: [g] }), watchHellos(hellos, []));
      expect(d.client.error).toBeNull();
      expect(d.server.error).toBeNull();
      expect((await d.client.handshake).group).toBe(g);
      expect((await d.server.handshake).group).toBe(g);
      expect(hellos.length).toBe(2);
      expect(X13.decodeKeyShareClient(findExtension(hellos[1]!.extensions, KS)!.data).map((s) => s.group)).toEqual([GROUPS[g]]);
    });
  }

  it('never in TLS 1.2: a 1.2-only hello leaves the hybrids out of supported_groups, and 1.2 settles on x25519', async () => {
    const hellos: M.ClientHello[] = [];
    const groups = ['X25519MLKEM768', 'SecP256r1MLKEM768', 'x25519'] as const;
    const d = await run(defaultClient({ maxVersion: 'TLSv1.2', groups: [...groups] }), defaultServer({ groups: [...groups] }), watchHellos(hellos, []));
    expect(d.client.error).toBeNull();
    expect((await d.client.handshake).version).toBe(TLS12);
    expect((await d.server.handshake).group).toBe('x25519');
    expect(X.decodeSupportedGroups(findExtension(hellos[0]!.extensions, ET.supported_groups)!.data)).toEqual([GROUPS.x25519]);
    // A 1.3-capable client that lists a hybrid, against a 1.2-only server: the 1.2 server skips the hybrid.
    const d2 = await run(client13({ groups: [...groups] }), defaultServer({ maxVersion: 'TLSv1.2', groups: [...groups] }));
    expect(d2.client.error).toBeNull();
    expect((await d2.server.handshake).group).toBe('x25519');
    // A 1.2-only server configured with nothing but a hybrid has no ECDHE curve to use with a 1.2 client.
    const d3 = await run(defaultClient({ maxVersion: 'TLSv1.2', groups: ['x25519'], cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] }), defaultServer({ groups: ['X25519MLKEM768'] }));
    expect(d3.server.error).not.toBeNull();
  });

  it('a TLS 1.2 ServerKeyExchange naming a hybrid group is refused, even one the client listed', async () => {
    for (const id of [GROUPS.X25519MLKEM768, GROUPS.SecP256r1MLKEM768]) {
      const ske = { kind: 'ECDHE', curveType: 3, group: id, publicKey: new Uint8Array(32) } as unknown as Parameters<typeof clientAgreeEphemeral>[1];
      await expect(clientAgreeEphemeral({} as HandshakeIO, ske, [id, GROUPS.x25519], 2048)).rejects.toMatchObject({ code: 'protocol_illegal_parameter' });
    }
  });

  it('hostile client shares: wrong length, an unreduced encapsulation key: illegal_parameter (47)', async () => {
    const edits: ((k: Uint8Array) => Uint8Array)[] = [
      (k) => k.subarray(0, k.length - 1),
      (k) => new Uint8Array([...k, 0]),
      (k) => k.subarray(0, 1184),
      (k) => {
        const o = Uint8Array.from(k);
        o[0] = 0xff;
        o[1] |= 0x0f;
        return o;
      },
    ];
    for (const edit of edits) {
      const script: Script = (step) => {
        if (step.kind !== 'msg' || step.type !== HT.client_hello) return;
        const ch = M.decodeClientHello(step.body);
        const exts = ch.extensions!.map((e) => {
          if (e.type !== KS) return e;
          const shares = X13.decodeKeyShareClient(e.data).map((s) => (s.group === GROUPS.X25519MLKEM768 ? { ...s, keyExchange: edit(s.keyExchange) } : s));
          return { type: e.type, data: X13.encodeKeyShareClient(shares) };
        });
        return M.encodeClientHello({ ...ch, extensions: exts });
      };
      const d = await run(client13(), server13(), script);
      expect(code(d.server)).toBe('crypto_bad_key_share');
      expect(d.server.error?.alert).toBe(47);
    }
  });

  it('hostile server shares: a ciphertext one byte short or long, or a low-order X25519 half: illegal_parameter (47)', async () => {
    const edits: ((k: Uint8Array) => Uint8Array)[] = [(k) => k.subarray(1), (k) => new Uint8Array([0, ...k]), (k) => Uint8Array.from(k).fill(0, 1088)];
    for (const edit of edits) {
      const script: Script = (step) => {
        if (step.kind !== 'msg' || step.type !== HT.server_hello) return;
        const sh = M.decodeServerHello(step.body);
        const exts = sh.extensions!.map((e) => {
          if (e.type !== KS) return e;
          const s = X13.decodeKeyShareServer(e.data);
          return { type: e.type, data: X13.encodeKeyShareServer({ ...s, keyExchange: edit(s.keyExchange) }) };
        });
        return M.encodeServerHello({ ...sh, extensions: exts });
      };
      const d = await run(client13(), server13(), undefined, script);
      expect(code(d.client)).toBe('crypto_bad_key_share');
      expect(d.client.error?.alert).toBe(47);
    }
  });

  it("public API: connect() and accept() with groups: ['X25519MLKEM768'] report it as connection.group", async () => {
    const [a, b] = memoryPair();
    const [c, s] = await Promise.all([
      connect({ transport: a, serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.3', groups: ['X25519MLKEM768'] }),
      accept({ transport: b, cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.3', groups: ['X25519MLKEM768'] }),
    ]);
    expect([c.version, c.group, s.group]).toEqual(['TLSv1.3', 'X25519MLKEM768', 'X25519MLKEM768']);
    await Promise.all([c.close(), s.close()]);
  });
});

/**
 * Hostile input to the TLS 1.3 server state machine (RFC 8446 §4): our own 1.3 client, scripted to drop, reorder
 * or alter single messages while everything else stays valid (signed and encrypted by the real code), against our
 * server. Each case names the rule it breaks and the error and alert the server must end with.
 */
import { describe, it, expect } from 'vitest';
import { duel, defaultClient, defaultServer, code, type Script } from './scripted.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';
import * as M from '../../src/handshake/messages.js';
import * as M13 from '../../src/handshake/messages13.js';
import * as X13 from '../../src/handshake/extensions13.js';
import { ExtensionType as ET } from '../../src/handshake/extensions.js';
import type { Extension } from '../../src/handshake/extensions.js';
import { TLS13 } from '../../src/crypto/suites.js';
import { pki } from './scripted.js';

const client13 = (o: Parameters<typeof defaultClient>[0] = {}) => defaultClient({ maxVersion: 'TLSv1.3', ...o });
const server13 = (o: Parameters<typeof defaultServer>[0] = {}) => defaultServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ...o });
const withClientAuth = () => server13({ requestCert: 'required', ca: pki.ca });

/** Rewrites the extensions of the ClientHello(s) the client sends. */
function editHello(edit: (exts: Extension[], n: number) => Extension[]): Script {
  let n = 0;
  return (step) => {
    if (step.kind !== 'msg' || step.type !== HT.client_hello) return;
    const ch = M.decodeClientHello(step.body);
    return M.encodeClientHello({ ...ch, extensions: edit([...ch.extensions!], n++) });
  };
}
const drop = (type: number) => (exts: Extension[]) => exts.filter((e) => e.type !== type);

describe('TLS 1.3 server: hostile clients', () => {
  it('the unmodified script completes in TLS 1.3 (the wrapper itself changes nothing)', async () => {
    const d = await duel({ client: client13(), server: server13(), clientScript: () => {} });
    await d.pump();
    expect(d.server.error).toBeNull();
    expect((await d.server.handshake).version).toBe(TLS13);
    expect((await d.client.handshake).version).toBe(TLS13);
  });

  it('client Certificate sent, CertificateVerify skipped: unexpected_message', async () => {
    const d = await duel({
      client: client13({ withClientCert: true }),
      server: withClientAuth(),
      clientScript: (s) => !(s.kind === 'msg' && s.type === HT.certificate_verify) && undefined,
    });
    await d.pump();
    expect(code(d.server)).toBe('protocol_unexpected_message');
  });

  it('client Finished before its Certificate (one was required): unexpected_message', async () => {
    const d = await duel({
      client: client13({ withClientCert: true }),
      server: withClientAuth(),
      clientScript: (s) => (s.kind === 'msg' && (s.type === HT.certificate || s.type === HT.certificate_verify) ? false : undefined),
    });
    await d.pump();
    expect(code(d.server)).toBe('protocol_unexpected_message');
  });

  it('no client certificate when one is required: certificate_required (116)', async () => {
    const d = await duel({ client: client13(), server: withClientAuth() });
    await d.pump();
    expect(code(d.server)).toBe('cert_no_certificate');
    expect(d.server.error?.alert).toBe(116);
  });

  it('a client Finished with one bit changed: decrypt_error', async () => {
    const d = await duel({
      client: client13(),
      server: server13(),
      clientScript: (s) => {
        if (s.kind !== 'msg' || s.type !== HT.finished) return;
        const b = s.body.slice();
        b[0]! ^= 1;
        return b;
      },
    });
    await d.pump();
    expect(code(d.server)).toBe('crypto_bad_finished');
    expect(d.server.error?.alert).toBe(51);
  });

  it('a client CertificateVerify signed over another transcript: decrypt_error', async () => {
    const d = await duel({
      client: client13({ withClientCert: true }),
      server: withClientAuth(),
      clientScript: (s) => {
        if (s.kind !== 'msg' || s.type !== HT.certificate_verify) return;
        const cv = M13.decodeCertificateVerify13(s.body);
        const sig = cv.signature.slice();
        sig[sig.length - 1]! ^= 1;
        return M13.encodeCertificateVerify13({ ...cv, signature: sig });
      },
    });
    await d.pump();
    expect(code(d.server)).toBe('crypto_bad_signature');
  });

  it('a ClientHello without key_share, or without signature_algorithms: missing_extension (109)', async () => {
    for (const type of [X13.ExtensionType13.key_share, ET.signature_algorithms]) {
      const d = await duel({ client: client13(), server: server13(), clientScript: editHello(drop(type)) });
      await d.pump();
      expect(code(d.server)).toBe('protocol_missing_extension');
      expect(d.server.error?.alert).toBe(109);
    }
  });

  it('a key_share for a group supported_groups does not list: illegal_parameter', async () => {
    const d = await duel({
      client: client13({ groups: ['x25519', 'secp256r1'] }),
      server: server13(),
      clientScript: editHello((exts) => exts.map((e) => (e.type === ET.supported_groups ? { type: e.type, data: new Uint8Array([0, 2, 0, 23]) } : e))),
    });
    await d.pump();
    expect(code(d.server)).toBe('protocol_illegal_parameter');
  });

  it('two key shares for one group: illegal_parameter', async () => {
    const d = await duel({
      client: client13(),
      server: server13(),
      clientScript: editHello((exts) =>
        exts.map((e) => {
          if (e.type !== X13.ExtensionType13.key_share) return e;
          const [s] = X13.decodeKeyShareClient(e.data);
          return { type: e.type, data: X13.encodeKeyShareClient([s!, s!].map((x, i) => ({ ...x, keyExchange: i ? x.keyExchange.slice() : x.keyExchange }))) };
        }),
      ),
    });
    await d.pump();
    expect(code(d.server)).toBe('decode_bad_value');
    expect(d.server.error?.alert).toBe(47);
  });

  it('a pre_shared_key offer without psk_key_exchange_modes: missing_extension (RFC 8446 §4.2.9)', async () => {
    const psk = { type: X13.ExtensionType13.pre_shared_key, data: X13.encodePreSharedKeyClient({ identities: [{ identity: new Uint8Array(16).fill(1), obfuscatedTicketAge: 0 }], binders: [new Uint8Array(32)] }) };
    const d = await duel({ client: client13(), server: server13(), clientScript: editHello((exts) => [...drop(X13.ExtensionType13.psk_key_exchange_modes)(exts), psk]) });
    await d.pump();
    expect(code(d.server)).toBe('protocol_missing_extension');
    // With the modes and pre_shared_key last, the offer is ignored (we take no PSK) and the handshake goes on.
    const modes = { type: X13.ExtensionType13.psk_key_exchange_modes, data: X13.encodePskKeyExchangeModes([1]) };
    const ok = await duel({ client: client13(), server: server13(), clientScript: editHello((exts) => [...drop(X13.ExtensionType13.psk_key_exchange_modes)(exts), modes, psk]) });
    await ok.pump();
    expect(ok.server.error).toBeNull();
    expect((await ok.server.handshake).version).toBe(TLS13);
    // pre_shared_key not last: illegal_parameter.
    const notLast = await duel({ client: client13(), server: server13(), clientScript: editHello((exts) => [psk, modes, ...exts]) });
    await notLast.pump();
    expect(code(notLast.server)).toBe('protocol_illegal_parameter');
  });

  it('a 1.3 ClientHello offering a compression method besides null: illegal_parameter', async () => {
    const d = await duel({
      client: client13(),
      server: server13(),
      clientScript: (s) => (s.kind === 'msg' && s.type === HT.client_hello ? M.encodeClientHello({ ...M.decodeClientHello(s.body), compressionMethods: [1, 0] }) : undefined),
    });
    await d.pump();
    expect(code(d.server)).toBe('protocol_illegal_parameter');
  });

  describe('after a HelloRetryRequest (the server takes only secp384r1, the client shares x25519 first)', () => {
    const hrrServer = () => server13({ groups: ['secp384r1'] });
    const hrrClient = () => client13({ groups: ['x25519', 'secp384r1'] });

    it('the retried handshake completes, on secp384r1', async () => {
      const d = await duel({ client: hrrClient(), server: hrrServer() });
      await d.pump();
      expect(d.server.error).toBeNull();
      expect((await d.server.handshake).group).toBe('secp384r1');
    });

    it('a second ClientHello without the cookie: missing_extension', async () => {
      const d = await duel({ client: hrrClient(), server: hrrServer(), clientScript: editHello((exts, n) => (n === 1 ? drop(X13.ExtensionType13.cookie)(exts) : exts)) });
      await d.pump();
      expect(code(d.server)).toBe('protocol_missing_extension');
    });

    it('a second ClientHello with a forged cookie: illegal_parameter', async () => {
      const d = await duel({
        client: hrrClient(),
        server: hrrServer(),
        clientScript: editHello((exts, n) =>
          n === 1 ? exts.map((e) => (e.type === X13.ExtensionType13.cookie ? { type: e.type, data: X13.encodeCookie(new Uint8Array(80).fill(7)) } : e)) : exts,
        ),
      });
      await d.pump();
      expect(code(d.server)).toBe('protocol_illegal_parameter');
    });

    it('a second ClientHello whose share is for another group than the one asked for: illegal_parameter', async () => {
      const d = await duel({
        client: hrrClient(),
        server: hrrServer(),
        clientScript: editHello((exts, n) =>
          n === 1 ? exts.map((e) => (e.type === X13.ExtensionType13.key_share ? { type: e.type, data: X13.encodeKeyShareClient([{ group: 29, keyExchange: new Uint8Array(32).fill(9) }]) } : e)) : exts,
        ),
      });
      await d.pump();
      expect(code(d.server)).toBe('protocol_illegal_parameter');
    });

    it('a second ClientHello with another random: illegal_parameter', async () => {
      let n = 0;
      const d = await duel({
        client: hrrClient(),
        server: hrrServer(),
        clientScript: (s) => {
          if (s.kind !== 'msg' || s.type !== HT.client_hello || n++ !== 1) return;
          const ch = M.decodeClientHello(s.body);
          return M.encodeClientHello({ ...ch, random: ch.random.map((b) => b ^ 0xff) });
        },
      });
      await d.pump();
      expect(code(d.server)).toBe('protocol_illegal_parameter');
    });

    it('a second ClientHello that drops TLS 1.3 from supported_versions: illegal_parameter', async () => {
      const d = await duel({
        client: hrrClient(),
        server: hrrServer(),
        clientScript: editHello((exts, n) =>
          n === 1 ? exts.map((e) => (e.type === X13.ExtensionType13.supported_versions ? { type: e.type, data: X13.encodeSupportedVersionsClient([0x0303]) } : e)) : exts,
        ),
      });
      await d.pump();
      expect(code(d.server)).toBe('protocol_illegal_parameter');
    });

    it('an empty body where the second ClientHello goes: decode_error', async () => {
      let n = 0;
      const d = await duel({
        client: hrrClient(),
        server: hrrServer(),
        clientScript: (s) => (s.kind === 'msg' && s.type === HT.client_hello && n++ === 1 ? new Uint8Array(0) : undefined),
      });
      await d.pump();
      expect(code(d.server)).toMatch(/^decode_/);
    });
  });
});

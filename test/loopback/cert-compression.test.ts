/**
 * Certificate compression (RFC 8879) between our TLS 1.3 client and server over memory: zlib through
 * CompressionStream and brotli/zlib through node:zlib, the transcript over the CompressedCertificate as sent, and
 * the hostile cases of the client: an algorithm it did not offer, a wrong uncompressed_length, corrupt data, a
 * decompression bomb, an announced length over the cap, and a CompressedCertificate where none was offered.
 */
import { describe, it, expect } from 'vitest';
import { duel, defaultClient, defaultServer, code, pki, type Script, type Duel } from '../hostile/scripted.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';
import {
  CertCompressionAlgorithm,
  HandshakeTypeCompressedCertificate as HT_CC,
  decodeCompressedCertificate,
  decompressCertificate,
  encodeCompressedCertificate,
  streamZlibCodec,
  certificateCodecs,
  type CertificateCodec,
} from '../../src/handshake/cert-compression.js';
import { nodeBrotliCodec, nodeZlibCodec } from '../../src/transport/node-compression.js';
import zlib from 'node:zlib';
import { accept, connect, memoryPair, type ConnectOptions } from '../../src/index.js';

const streamZlib = streamZlibCodec()!;
const client13 = (codecs: CertificateCodec[]) => ({ ...defaultClient({ maxVersion: 'TLSv1.3' }), certCompression: codecs });
const server13 = (codecs: CertificateCodec[] | undefined) => ({ ...defaultServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }), certCompression: codecs ?? [] });

/** Replaces the CompressedCertificate the server sends. */
const bendCompressed = (edit: (m: ReturnType<typeof decodeCompressedCertificate>) => Uint8Array): Script => (s) => {
  if (s.kind !== 'msg' || s.type !== HT_CC) return;
  return edit(decodeCompressedCertificate(s.body));
};

describe('certificate compression (RFC 8879), loopback', () => {
  for (const [name, c, s] of [
    ['zlib (CompressionStream) both ends', streamZlib, streamZlib],
    ['brotli (node:zlib) both ends', nodeBrotliCodec, nodeBrotliCodec],
    ['zlib: node:zlib server, CompressionStream client', streamZlib, nodeZlibCodec],
  ] as const) {
    it(name, async () => {
      const d = await duel({ client: client13([c]), server: server13([s]) });
      await d.pump();
      expect(d.client.error).toBeNull();
      expect(d.server.error).toBeNull();
      const [cr, sr] = [await d.client.handshake, await d.server.handshake];
      expect(cr.certificateCompression).toBe(c.name);
      expect(sr.certificateCompression).toBe(s.name);
      expect(cr.peerChain).toHaveLength(2);
      expect(cr.verification).toEqual({ ok: true });
    });
  }

  it('the compressed flight is smaller than the plain one, and the server takes its first codec the client has', async () => {
    const plain = await duel({ client: client13([]), server: server13([nodeBrotliCodec, nodeZlibCodec]) });
    await plain.pump();
    expect((await plain.client.handshake).certificateCompression).toBeUndefined();
    const packed = await duel({ client: client13([streamZlib, nodeBrotliCodec]), server: server13([nodeBrotliCodec, nodeZlibCodec]) });
    await packed.pump();
    expect((await packed.server.handshake).certificateCompression).toBe('brotli');
    expect(packed.sent.server).toBeLessThan(plain.sent.server);
  });

  it('a server without codecs, or without one the client offers, sends the plain Certificate', async () => {
    for (const s of [[], [nodeZlibCodec]]) {
      const d = await duel({ client: client13([nodeBrotliCodec]), server: server13(s) });
      await d.pump();
      expect(d.client.error).toBeNull();
      expect((await d.client.handshake).certificateCompression).toBeUndefined();
    }
  });

  describe('hostile servers: every failure is bad_certificate (cert_decompression_failed)', () => {
    const hostile = async (edit: Parameters<typeof bendCompressed>[0], codecs: CertificateCodec[] = [streamZlib]) => {
      const d = await duel({ client: client13(codecs), server: server13(codecs), serverScript: bendCompressed(edit) });
      await d.pump();
      return d;
    };

    it('an algorithm the client did not offer', async () => {
      const d = await hostile((m) => encodeCompressedCertificate({ ...m, algorithm: CertCompressionAlgorithm.brotli }));
      expect(code(d.client)).toBe('cert_decompression_failed');
      expect(d.server.error?.code).toBe('peer_alert_bad_certificate');
    });

    for (const delta of [-1, 1]) {
      it(`uncompressed_length ${delta > 0 ? 'one more' : 'one less'} than the data holds`, async () => {
        const d = await hostile((m) => encodeCompressedCertificate({ ...m, uncompressedLength: m.uncompressedLength + delta }));
        expect(code(d.client)).toBe('cert_decompression_failed');
      });
    }

    it('corrupt compressed data', async () => {
      const d = await hostile((m) => {
        const data = m.data.slice();
        data[Math.floor(data.length / 2)]! ^= 0xff;
        data[data.length - 1]! ^= 0xff; // the Adler-32 too
        return encodeCompressedCertificate({ ...m, data });
      });
      expect(code(d.client)).toBe('cert_decompression_failed');
    });

    it('a bomb (16 MiB of zeros in ~16 KiB) announcing a small length is cut off at that length', async () => {
      const bomb = new Uint8Array(zlib.deflateSync(Buffer.alloc(16 << 20), { level: 9 }));
      for (const codec of [streamZlib, nodeZlibCodec]) {
        const d = await hostile((m) => encodeCompressedCertificate({ ...m, data: bomb }), [codec]);
        expect(code(d.client)).toBe('cert_decompression_failed');
        expect(d.client.error?.message).toMatch(/more than the \d+ bytes announced/);
      }
    });

    it('an announced length over the certificate cap is refused before any decompression', async () => {
      let called = false;
      const spy: CertificateCodec = { name: 'zlib', compress: (b) => streamZlib.compress(b), decompress: (b, n) => ((called = true), streamZlib.decompress(b, n)) };
      const d = await duel({
        client: client13([spy]),
        server: server13([streamZlib]),
        serverScript: bendCompressed((m) => encodeCompressedCertificate({ ...m, uncompressedLength: 0xffffff })),
      });
      await d.pump();
      expect(code(d.client)).toBe('cert_decompression_failed');
      expect(d.client.error?.message).toMatch(/over the \d+-byte limit/);
      expect(called).toBe(false);
    });

    it('a CompressedCertificate to a client that offered no compression: unexpected_message', async () => {
      const d = await duel({
        client: client13([]),
        server: server13([streamZlib]),
        serverScript: async (s, _i, api) => {
          if (s.kind !== 'msg' || s.type !== HT.certificate) return;
          const data = await streamZlib.compress(s.body);
          await api.send(HT_CC, encodeCompressedCertificate({ algorithm: 1, uncompressedLength: s.body.length, data }));
          return false;
        },
      });
      await d.pump();
      expect(code(d.client)).toBe('protocol_unexpected_message');
    });
  });

  describe('codecs: exact length, bounded output', () => {
    const body = new TextEncoder().encode('certificate '.repeat(500));
    for (const codec of [streamZlib, nodeZlibCodec, nodeBrotliCodec]) {
      it(`${codec.name} (${codec === streamZlib ? 'CompressionStream' : 'node:zlib'}) round-trips and refuses a wrong length`, async () => {
        const packed = await codec.compress(body);
        expect(packed.length).toBeLessThan(body.length / 10);
        expect(await codec.decompress(packed, body.length)).toEqual(body);
        await expect(codec.decompress(packed, body.length - 1)).rejects.toMatchObject({ code: 'cert_decompression_failed' });
        await expect(codec.decompress(packed, body.length + 1)).rejects.toMatchObject({ code: 'cert_decompression_failed' });
      });
    }

    it('the certificateCompression option: false is none, a name this platform lacks is config_invalid, a list keeps its order', () => {
      expect(certificateCodecs(false)).toEqual([]);
      expect(() => certificateCodecs(['zstd' as 'zlib'])).toThrow(expect.objectContaining({ code: 'config_invalid' }));
      expect(certificateCodecs(['zlib']).map((c) => c.name)).toEqual(['zlib']);
    });

    it('decompressCertificate keeps the last chains: the same bytes again are not decompressed again, anything else is', async () => {
      let calls = 0;
      const counting: CertificateCodec = { name: 'zlib', compress: (d) => nodeZlibCodec.compress(d), decompress: (d, n) => (calls++, nodeZlibCodec.decompress(d, n)) };
      const chain = new TextEncoder().encode(`a chain of its own ${Math.random()} `.repeat(40));
      const packed = await counting.compress(chain);
      const msg = (data: Uint8Array, length = chain.length) => encodeCompressedCertificate({ algorithm: 1, uncompressedLength: length, data });
      const first = await decompressCertificate(msg(packed), [counting], 1 << 18);
      first.body.fill(0); // a caller's copy: wiping it does not reach the next answer
      const again = await decompressCertificate(msg(packed), [counting], 1 << 18);
      expect(again.body).toEqual(chain);
      expect(calls).toBe(1);
      // another announced length, other bytes, or a cap below the length: decompressed (or refused) afresh
      await expect(decompressCertificate(msg(packed, chain.length + 1), [counting], 1 << 18)).rejects.toMatchObject({ code: 'cert_decompression_failed' });
      expect(calls).toBe(2);
      const bent = packed.slice();
      bent[bent.length - 1]! ^= 1;
      await expect(decompressCertificate(msg(bent), [counting], 1 << 18)).rejects.toMatchObject({ code: 'cert_decompression_failed' });
      expect(calls).toBe(3);
      await expect(decompressCertificate(msg(packed), [counting], chain.length - 1)).rejects.toMatchObject({ code: 'cert_decompression_failed' });
      expect(calls).toBe(3);
    });

    it('decompressCertificate refuses an empty announced length', async () => {
      const m = encodeCompressedCertificate({ algorithm: 1, uncompressedLength: 0, data: new Uint8Array([1]) });
      await expect(decompressCertificate(m, [streamZlib], 1 << 18)).rejects.toMatchObject({ code: 'cert_decompression_failed' });
    });
  });

  describe('the client compresses its own certificate where the CertificateRequest lists a codec (RFC 8879 §3)', () => {
    const types = () => {
      const seen: number[] = [];
      const script: Script = (st) => {
        if (st.kind === 'msg') seen.push(st.type);
      };
      return { seen, script };
    };
    const withCert = (codecs: CertificateCodec[]) => ({ ...defaultClient({ maxVersion: 'TLSv1.3', withClientCert: true }), certCompression: codecs });
    const authServer = (codecs: CertificateCodec[], o: Parameters<typeof defaultServer>[0] = { requestCert: 'required' }) => ({
      ...defaultServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ca: pki.ca, ...o }),
      certCompression: codecs,
    });

    it('in the handshake: CompressedCertificate from the client, verified by the server', async () => {
      const t = types();
      const d = await duel({ client: withCert([nodeBrotliCodec]), server: authServer([nodeBrotliCodec, nodeZlibCodec]), clientScript: t.script });
      await d.pump();
      expect(d.server.error).toBeNull();
      expect(t.seen).toContain(HT_CC);
      expect(t.seen).not.toContain(HT.certificate);
      expect((await d.server.handshake).verification).toEqual({ ok: true });
    });

    it('after the handshake (post-handshake auth): the answer is compressed too', async () => {
      const t = types();
      const d = await duel({ client: withCert([streamZlib]), server: authServer([nodeZlibCodec], {}), clientScript: t.script });
      await d.pump();
      const { answer } = await d.server.requestClientCertificate({ required: true });
      await d.pump(false);
      expect((await answer).verification).toEqual({ ok: true });
      expect(t.seen.filter((x) => x === HT_CC)).toHaveLength(1);
    });

    it('a server listing no codec gets the plain Certificate', async () => {
      const t = types();
      const d = await duel({ client: withCert([nodeBrotliCodec]), server: authServer([]), clientScript: t.script });
      await d.pump();
      expect(d.server.error).toBeNull();
      expect(t.seen).toContain(HT.certificate);
      expect(t.seen).not.toContain(HT_CC);
    });

    it('a corrupt compressed client certificate: bad_certificate from the server, in the handshake and after it', async () => {
      const corrupt: Script = (st) => {
        if (st.kind !== 'msg' || st.type !== HT_CC) return;
        const m = decodeCompressedCertificate(st.body);
        return encodeCompressedCertificate({ ...m, uncompressedLength: m.uncompressedLength - 1 });
      };
      const d = await duel({ client: withCert([nodeBrotliCodec]), server: authServer([nodeBrotliCodec]), clientScript: corrupt });
      await d.pump();
      expect(code(d.server)).toBe('cert_decompression_failed');
      expect(d.client.error?.code).toBe('peer_alert_bad_certificate');
      let p: Duel | undefined;
      p = await duel({ client: withCert([nodeBrotliCodec]), server: authServer([nodeBrotliCodec], {}), clientScript: (st, i, api) => (p?.client.state === 'open' ? corrupt(st, i, api) : undefined) });
      await p.pump();
      const { answer } = await p.server.requestClientCertificate({ required: true });
      await p.pump(false);
      await expect(answer).rejects.toMatchObject({ code: 'cert_decompression_failed' });
    });
  });

  describe('through connect() / accept() (the Node entry: brotli and zlib from node:zlib)', () => {
    const pair = async (client: Partial<ConnectOptions>, server: Record<string, unknown>) => {
      const [a, b] = memoryPair();
      const [c, s] = await Promise.all([
        connect({ transport: a, serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.3', ...client }),
        accept({ transport: b, cert: pki.serverRsa.cert, key: pki.serverRsa.key, maxVersion: 'TLSv1.3', ...server }),
      ]);
      await Promise.all([c.close(), s.close()]);
      return [c.certificateCompression, s.certificateCompression];
    };
    it('by default brotli; a server list picks; false on either side: none', async () => {
      expect(await pair({}, {})).toEqual(['brotli', 'brotli']);
      expect(await pair({}, { certificateCompression: ['zlib'] })).toEqual(['zlib', 'zlib']);
      expect(await pair({ certificateCompression: false }, {})).toEqual([undefined, undefined]);
      expect(await pair({}, { certificateCompression: false })).toEqual([undefined, undefined]);
    });
  });
});

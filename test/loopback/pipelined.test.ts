/**
 * Writes accepted while earlier ones are still being sealed, and records opened while earlier ones are
 * still being opened: whatever the provider and suite, the bytes arrive complete and in order, a close
 * after unawaited writes still delivers them all, and a failure in the middle reaches the writer.
 */
import { describe, expect, it } from 'vitest';
import { handshake, ok, rsaServer, ecdsaServer } from './harness.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { webCryptoProvider } from '../../src/crypto/provider-webcrypto.js';
import type { TlsConnection } from '../../src/connection.js';
import type { ByteStream } from '../../src/transport/types.js';
import { memoryPair } from '../../src/transport/memory.js';
import { connect } from '../../src/client.js';
import { accept } from '../../src/server.js';
import { baseClient } from './harness.js';

const providers = [
  ['noble', nobleProvider],
  ['webcrypto', webCryptoProvider()],
] as const;
const suites = [
  ['TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', rsaServer],
  ['TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', ecdsaServer],
  ['TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', rsaServer],
  ['TLSv1', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', rsaServer],
] as const;

/** Chunks of assorted sizes (1 byte to several records), each byte a function of its position in the stream. */
function chunks(total: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const sizes = [1, 16384, 700, 40000, 16385, 3, 65536, 12000];
  for (let at = 0, i = 0; at < total; i++) {
    const n = Math.min(sizes[i % sizes.length]!, total - at);
    out.push(Uint8Array.from({ length: n }, (_, k) => ((at + k) * 7 + ((at + k) >> 8)) & 0xff));
    at += n;
  }
  return out;
}

async function readAll(conn: TlsConnection): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of conn.readable) parts.push(p);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

describe.each(providers)('%s provider: pipelined writes and reads', (_name, provider) => {
  for (const [version, suite, server] of suites) {
    it(`${version} ${suite}: unawaited writes then close arrive complete and in order`, async () => {
      const o = await handshake(
        { cipherSuites: [suite], minVersion: version, maxVersion: version, provider },
        { ...server, minVersion: 'TLSv1', provider },
      );
      const client = ok(o.client);
      const srv = ok(o.server);
      const data = chunks(400_000);
      const received = readAll(srv);
      const writer = client.writable.getWriter();
      const writes = data.map((c) => writer.write(c));
      const closed = writer.close();
      await Promise.all([...writes, closed]);
      const got = await received;
      const want = new Uint8Array(data.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of data) (want.set(c, at), (at += c.length));
      expect(got.length).toBe(want.length);
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      await srv.close();
    });
  }

  it('a write after the peer failed the connection is refused, and the earlier data was intact', async () => {
    const o = await handshake({ cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], provider }, { ...rsaServer, provider });
    const client = ok(o.client);
    const srv = ok(o.server);
    const writer = client.writable.getWriter();
    await writer.write(new Uint8Array(1000).fill(1));
    const reader = srv.readable.getReader();
    expect((await reader.read()).value?.length).toBe(1000);
    await reader.cancel();
    // The server ended; the client's writes fail once it learns that, never silently succeed forever.
    let failed = false;
    for (let i = 0; i < 200 && !failed; i++) {
      await writer.write(new Uint8Array(16384)).catch(() => (failed = true));
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(failed).toBe(true);
  });
});

/** A transport that stops writing once it has read the peer's end of stream, as a Node socket without allowHalfOpen does. */
function endsOnEof(t: ByteStream): ByteStream {
  let eof = false;
  const readable = t.readable.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: () => void (eof = true) }));
  const w = t.writable.getWriter();
  const writable = new WritableStream<Uint8Array>({
    write: (c) => (eof ? Promise.reject(new Error('write after the end of stream')) : w.write(c)),
    close: () => w.close(),
  });
  return { readable, writable };
}

describe('closing while the application still reads', () => {
  it("keeps the transport open for the peer's close_notify, so a peer that stops at our end of stream still answers", async () => {
    const [a, b] = memoryPair();
    const [client, server] = await Promise.all([
      connect({ ...baseClient, cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], transport: a }),
      accept({ ...rsaServer, transport: endsOnEof(b) }),
    ]);
    const clientRead = readAll(client);
    const serverRead = readAll(server);
    const writer = client.writable.getWriter();
    await writer.write(new TextEncoder().encode('last words'));
    writer.releaseLock();
    await client.close();
    expect(new TextDecoder().decode(await serverRead)).toBe('last words');
    // Ends cleanly: the server's close_notify arrived before the end of the transport (no io_truncated).
    expect((await clientRead).length).toBe(0);
  });
});

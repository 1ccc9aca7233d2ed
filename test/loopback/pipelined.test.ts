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
import { giveUp, isGivenUp, type ByteStream } from '../../src/transport/types.js';
import { memoryPair } from '../../src/transport/memory.js';
import { connect } from '../../src/client.js';
import { accept } from '../../src/server.js';
import { baseClient } from './harness.js';
import { duel } from '../hostile/scripted.js';
import type { CryptoProvider } from '../../src/crypto/types.js';

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

/** Counts the chunks written to a transport (each one a separate write to a socket). */
function countingWrites(t: ByteStream): { transport: ByteStream; writes: () => number } {
  let n = 0;
  const w = t.writable.getWriter();
  const writable = new WritableStream<Uint8Array>({
    write: (c) => (n++, w.write(c)),
    close: () => w.close(),
  });
  return { transport: { readable: t.readable, writable }, writes: () => n };
}

/** AES-GCM from noble, except that each seal first waits for what `before(plaintext)` returns (a gate a test opens). */
function gatedProvider(before: (plaintext: Uint8Array) => Promise<void> | null): CryptoProvider {
  return {
    ...nobleProvider,
    async aead(cipher, key) {
      const c = await nobleProvider.aead(cipher, key);
      return {
        open: (n, a, ct) => c.open(n, a, ct),
        async seal(n, a, pt) {
          const wait = before(pt);
          if (wait) await wait;
          return c.seal(n, a, pt);
        },
      };
    },
  };
}

describe('batched flushing (async provider)', () => {
  it('records of writes sealed together reach the transport in one write; a lone write goes out once sealed', async () => {
    const provider = webCryptoProvider();
    const [a, b] = memoryPair();
    const counted = countingWrites(a);
    const [client, server] = await Promise.all([
      connect({ ...baseClient, cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], transport: counted.transport, provider }),
      accept({ ...rsaServer, transport: b, provider }),
    ]);
    const reader = server.readable.getReader();
    const read = async (n: number) => {
      let got = 0;
      while (got < n) got += (await reader.read()).value!.length;
      return got;
    };
    const writer = client.writable.getWriter();
    // A lone write is not held back waiting for company.
    const before = counted.writes();
    await writer.write(new Uint8Array(100));
    expect(await read(100)).toBe(100);
    expect(counted.writes()).toBe(before + 1);
    // Eight records handed over at once are sealed as a batch and flushed together, in order.
    const chunks = Array.from({ length: 8 }, (_, i) => new Uint8Array(16384).fill(i + 1));
    await Promise.all(chunks.map((c) => writer.write(c)));
    const got: Uint8Array[] = [];
    for (let n = 0; n < 8 * 16384; ) {
      const r = await reader.read();
      got.push(r.value!);
      n += r.value!.length;
    }
    expect(counted.writes()).toBe(before + 2);
    const all = Buffer.concat(got);
    for (let i = 0; i < 8; i++) expect(all.subarray(i * 16384, (i + 1) * 16384).every((x) => x === i + 1)).toBe(true);
    reader.releaseLock();
    writer.releaseLock();
    await Promise.all([client.close(), server.close()]);
  });
});

describe('engine: outgoing records', () => {
  it('records still in the cipher when the queued bytes are taken are queued afterwards, not lost', async () => {
    // The seal of one chosen record waits for a gate the test opens.
    let gate: Promise<void> | null = null;
    const gated = gatedProvider(() => {
      const wait = gate;
      gate = null;
      return wait;
    });
    const d = await duel({ provider: gated });
    await d.pump();
    expect(d.client.state).toBe('open');
    const first = d.client.send(new Uint8Array(100).fill(1));
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    const second = d.client.send(new Uint8Array(100).fill(2));
    await first;
    // The second write's turn has come and its record is still in the cipher: take what is queued meanwhile.
    const firstWire = d.client.takeOutgoing();
    expect(firstWire).not.toBeNull();
    open();
    await second;
    const secondWire = d.client.takeOutgoing();
    expect(secondWire).not.toBeNull();
    await d.server.receive(firstWire!);
    await d.server.receive(secondWire!);
    expect(d.server.takeReceived()).toEqual(Uint8Array.from([...new Uint8Array(100).fill(1), ...new Uint8Array(100).fill(2)]));
  });
});

describe('streams made on first use', () => {
  it('readable and writable are the same objects on every access, and an untouched connection still closes cleanly', async () => {
    const o = await handshake({ cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] }, rsaServer);
    const client = ok(o.client);
    const srv = ok(o.server);
    expect(client.readable).toBe(client.readable);
    expect(client.writable).toBe(client.writable);
    // The server never touched its streams: closing it still sends close_notify and ends the client's stream cleanly.
    const clientRead = readAll(client);
    await srv.close();
    expect((await clientRead).length).toBe(0);
  });
});

describe('writes in flight', () => {
  it('a write is accepted at once until 256 KiB wait to be sealed, then waits for room', async () => {
    // Every seal of a 16 KiB record waits for a gate the test opens (the handshake's records pass).
    let gate: Promise<void> | null = null;
    const gated = gatedProvider((pt) => (pt.length === 16384 ? gate : null));
    const [a, b] = memoryPair();
    const [client, server] = await Promise.all([
      connect({ ...baseClient, cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], transport: a, provider: gated }),
      accept({ ...rsaServer, transport: b }),
    ]);
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    const writer = client.writable.getWriter();
    const settled: boolean[] = [];
    const writes = Array.from({ length: 17 }, (_, i) => {
      const p = writer.write(new Uint8Array(16384).fill(i + 1));
      void p.then(() => (settled[i] = true));
      return p;
    });
    await Promise.all(writes.slice(0, 16)); // 16 × 16 KiB = 256 KiB: all accepted while none is sealed
    await new Promise((r) => setTimeout(r, 20));
    expect(settled[16]).toBeUndefined(); // the 17th waits for room
    open();
    await writes[16];
    const reader = server.readable.getReader();
    const got: Uint8Array[] = [];
    for (let n = 0; n < 17 * 16384; ) {
      const r = await reader.read();
      got.push(r.value!);
      n += r.value!.length;
    }
    const all = Buffer.concat(got);
    for (let i = 0; i < 17; i++) expect(all.subarray(i * 16384, (i + 1) * 16384).every((x) => x === i + 1)).toBe(true);
    reader.releaseLock();
    writer.releaseLock();
    await Promise.all([client.close(), server.close()]);
  });

  it('memoryPair copies what it is given unless the writer gave it up, as a TlsConnection does with all it writes', async () => {
    const [a, b] = memoryPair();
    const w = a.writable.getWriter();
    const r = b.readable.getReader();
    const mine = new Uint8Array([1, 2, 3]);
    await w.write(mine);
    mine[0] = 9; // a writer may reuse its buffer once write() resolves
    const copied = (await r.read()).value!;
    expect(copied).not.toBe(mine);
    expect([...copied]).toEqual([1, 2, 3]);
    const given = giveUp(new Uint8Array([4, 5]));
    await w.write(given);
    expect((await r.read()).value).toBe(given);

    const [c, d] = memoryPair();
    const seen: boolean[] = [];
    const inner = c.writable.getWriter();
    const watched: ByteStream = {
      readable: c.readable,
      writable: new WritableStream<Uint8Array>({ write: (x) => (seen.push(isGivenUp(x)), inner.write(x)), close: () => inner.close() }),
    };
    const [client, server] = await Promise.all([connect({ ...baseClient, transport: watched }), accept({ ...rsaServer, transport: d })]);
    await client.writable.getWriter().write(new Uint8Array(40000));
    await Promise.all([client.close(), server.close()]);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every(Boolean)).toBe(true);
  });
});

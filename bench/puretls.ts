/** puretls at both ends over memoryPair, with one bulk-crypto provider for both. */
import { accept, connect, createServerContext, memoryPair, type ConnectOptions, type ServerContext, type TlsConnection } from '../src/index.js';
import type { CryptoProvider } from '../src/crypto/types.js';
import type { CipherSuiteOption } from '../src/crypto/suites.js';
import { CHUNK, wanted, idleCost, mbPerSecond, measureRow, memoryBudgetSeconds, opsPerSecond, pki, step, type Budget, type Family, type Impl, type ImplResult, type Kex, type Phase, type Version } from './common.js';

interface Pair {
  client: TlsConnection;
  server: TlsConnection;
}

export interface PuretlsSetup {
  impl: Impl;
  provider: CryptoProvider;
  /** The version both ends are held to. */
  version: Version;
  /** Signature schemes the client offers per key exchange row (TLS 1.3: the certificate the server picks). */
  sigalgs?: Partial<Record<Kex, string[]>>;
  /** Named groups the client offers per key exchange row, in place of the bench's x25519 + P-256 (see open()). */
  groups?: Partial<Record<Kex, string[]>>;
  suites: { kex: Partial<Record<Kex, string>>; bulk: Partial<Record<Family, string>> };
}

const contexts = new Map<string, ServerContext>();

export async function puretlsRows(b: Budget, o: PuretlsSetup, phase: Phase): Promise<ImplResult> {
  const out: ImplResult = { rows: [], missing: [] };
  const { impl, provider, version } = o;
  const ca = pki('ca.pem');
  // One server per implementation across both phases, as a long-running server: the memory phase then sees its
  // session cache in the steady state the throughput phase left it in, not filling up from empty.
  const ctxKey = `${impl}/${version}`;
  let context = contexts.get(ctxKey);
  if (!context) {
    context = createServerContext({
      // RSA and ECDSA side by side: the suite the client offers decides which one signs.
      identities: [
        { cert: pki('server-rsa-chain.pem'), key: pki('server-rsa.key') },
        { cert: pki('server-ecdsa-chain.pem'), key: pki('server-ecdsa.key') },
      ],
      cipherSuites: [...new Set([...Object.values(o.suites.kex), ...Object.values(o.suites.bulk)])] as CipherSuiteOption[],
      minVersion: version,
      maxVersion: version,
      provider,
    });
    contexts.set(ctxKey, context);
  }
  const open = async (suite: string, session?: TlsConnection['session'], kex: Kex = 'ECDHE_RSA'): Promise<Pair> => {
    const [a, z] = memoryPair();
    const sigalgs = o.sigalgs?.[kex];
    const groups = o.groups?.[kex];
    const [client, server] = await Promise.all([
      connect({
        transport: a,
        serverName: 'localhost',
        ca,
        cipherSuites: [suite as CipherSuiteOption],
        minVersion: version,
        maxVersion: version,
        provider,
        // X25519 in both versions and for every implementation (native's OpenSSL 3.0 has no ML-KEM): the 1.3 client's
        // default also shares X25519MLKEM768, an ML-KEM-768 key generation, encapsulation and decapsulation more per
        // handshake, which would make the 1.3 rows compare key exchanges rather than protocol versions. P-256 is
        // named (never shared: x25519 comes first) because a 1.2 server signs with a P-256 certificate only for a
        // client that names the curve (RFC 8422 §5.1).
        groups: ['x25519', 'secp256r1'],
        ...(sigalgs ? { signatureAlgorithms: sigalgs as NonNullable<ConnectOptions['signatureAlgorithms']> } : {}),
        ...(groups ? { groups: groups as NonNullable<ConnectOptions['groups']> } : {}),
        ...(session ? { session } : {}),
      }),
      accept({ transport: z, context }),
    ]);
    return { client, server };
  };
  /** The client's resumable session. 1.3: the ticket follows the handshake and is read with the first data after it. */
  const sessionOf = async (p: Pair): Promise<TlsConnection['session']> => {
    if (version !== 'TLSv1.3') return p.client.session;
    const ticket = new Promise<TlsConnection['session']>((r) => p.client.onSession(r));
    const w = p.server.writable.getWriter();
    await w.write(Uint8Array.of(1));
    w.releaseLock();
    const r = p.client.readable.getReader();
    await r.read();
    r.releaseLock();
    return p.client.session ?? (await Promise.race([ticket, new Promise<undefined>((res) => setTimeout(() => res(undefined), 5000))]));
  };
  const close = async (p: Pair) => {
    await Promise.all([p.client.close(), p.server.close()]);
  };

  if (phase === 'memory') {
    if (!wanted(b, 'heap_bytes_per_idle_connection', undefined, version)) return out;
    const id = { impl, metric: 'heap_bytes_per_idle_connection', suite: o.suites.kex.ECDHE_RSA!, version } as const;
    const costs = await step(b, out, id, async () => {
      const mem = await idleCost(
        b.idleConnections,
        () => open(o.suites.kex.ECDHE_RSA!),
        async (held) => {
          await Promise.all(held.map(close));
        },
      );
      // Forge's ends are wired to each other with no transport at all, so the in-memory pipe (two
      // TransformStreams) is measured on its own and left out, to compare TLS state with TLS state.
      const pipe = await idleCost(b.idleConnections, async () => memoryPair(), async () => {});
      // The same connections once the application has taken a reader and a writer at each end and waits for data,
      // as one holding a connection open would: the streams are made on first use and cost more than the TLS state.
      const inUse = await idleCost(
        b.idleConnections,
        async () => {
          const p = await open(o.suites.kex.ECDHE_RSA!);
          const ends = [p.client, p.server].map((c) => ({ reader: c.readable.getReader(), writer: c.writable.getWriter() }));
          for (const e of ends) void e.reader.read().catch(() => {});
          return { p, ends };
        },
        async (held) => {
          await Promise.all(
            held.map(async ({ p, ends }) => {
              for (const e of ends) e.writer.releaseLock();
              await Promise.all(ends.map((e) => e.reader.cancel(undefined)));
              await close(p);
            }),
          );
        },
      );
      return { mem, pipe, inUse };
    }, memoryBudgetSeconds(b));
    if (!costs) return out;
    const { mem, pipe, inUse } = costs;
    const kb = (x: number) => `${(x / 1024).toFixed(1)} KB`;
    out.rows.push({ ...id, value: Math.max(0, mem.heap - pipe.heap) });
    out.rssPerIdleConnection = mem.rss;
    out.notes = [
      `${impl}: heap per idle connection excludes the memoryPair transport (${kb(pipe.heap)} of ${kb(mem.heap)}); ` +
        `with a reader waiting and a writer taken at each end, ${kb(Math.max(0, inUse.heap - pipe.heap))}`,
    ];
    return out;
  }

  for (const [kex, suite] of Object.entries(o.suites.kex) as [Kex, string][]) {
    if (!wanted(b, 'full_handshakes_per_s', kex, version)) continue;
    await measureRow(b, out, { impl, metric: 'full_handshakes_per_s', kex, suite, version }, () => opsPerSecond(b.seconds, async () => close(await open(suite, undefined, kex))));
  }

  // Resumption: TLS 1.2 with the server's session ticket, TLS 1.3 with its NewSessionTicket as a PSK (psk_dhe_ke,
  // x25519), offered again and again.
  if (wanted(b, 'resumed_handshakes_per_s', 'ECDHE_RSA', version)) {
    const resumeSuite = o.suites.kex.ECDHE_RSA!;
    const id = { impl, metric: 'resumed_handshakes_per_s', kex: 'ECDHE_RSA', suite: resumeSuite, version } as const;
    const r = await step(b, out, id, async (): Promise<{ value: number } | { why: string }> => {
      const first = await open(resumeSuite);
      const session = await sessionOf(first);
      await close(first);
      const probe = session ? await open(resumeSuite, session) : null;
      if (probe) await close(probe);
      if (!probe?.client.resumed) {
        return { why: session ? 'the server did not resume the offered session' : 'the client got no resumable session from the server' };
      }
      const value = await opsPerSecond(b.seconds, async () => {
        const p = await open(resumeSuite, session);
        if (!p.client.resumed) throw new Error(`${impl}: the session was not resumed`);
        await close(p);
      });
      return { value };
    });
    if (r && 'why' in r) out.missing.push({ impl, metric: 'resumed_handshakes_per_s', why: r.why });
    else if (r) out.rows.push({ ...id, value: r.value });
  }

  for (const [family, suite] of Object.entries(o.suites.bulk) as [Family, string][]) {
    if (!wanted(b, 'bulk_mb_per_s', family, version)) continue;
    await measureRow(b, out, { impl, metric: 'bulk_mb_per_s', family, suite, version }, async () => bulk(await open(suite), b.seconds));
  }
  return out;
}

/** 16 KiB writes, honouring backpressure, for `seconds`; MB/s as seen by the receiving end. */
async function bulk(p: Pair, seconds: number): Promise<number> {
  const writer = p.client.writable.getWriter();
  const reader = p.server.readable.getReader();
  let received = 0;
  let sent = 0;
  let stopped = false;
  const drained = (async () => {
    for (;;) {
      const r = await reader.read();
      if (r.done) throw new Error('puretls bench: the stream ended early');
      received += r.value.length;
      if (stopped && received === sent) return performance.now();
    }
  })();
  const chunk = new Uint8Array(CHUNK).fill(0x61);
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await writer.ready;
    sent += CHUNK;
    void writer.write(chunk);
  }
  stopped = true;
  const t1 = received === sent ? performance.now() : await drained;
  reader.releaseLock();
  writer.releaseLock();
  await Promise.all([p.client.close(), p.server.close()]);
  return mbPerSecond(received, t1 - t0);
}

/**
 * node-forge's own TLS, both ends in this process, wired back to back (forge is synchronous: each
 * end's output is fed straight into the other). Forge speaks TLS 1.0/1.1 with AES-CBC-SHA and RSA
 * key exchange only, so it has one handshake row (RSA) and one bulk row (CBC).
 */
import forge from 'node-forge';
import { CHUNK, wanted, idleCostRow, mbPerSecond, measureRow, opsPerSecond, pki, type Budget, type ImplResult, type Phase } from './common.js';

const SUITE = 'TLS_RSA_WITH_AES_128_CBC_SHA';

/** The slice of forge's TLS API used here (its published typings leave the TLS engine out). */
interface ForgeBuffer {
  getBytes(): string;
  length(): number;
  clear(): void;
}
interface ForgeConnection {
  handshake(sessionId?: string): void;
  process(data: string): number;
  prepare(data: string): boolean;
  close(): void;
  tlsData: ForgeBuffer;
  data: ForgeBuffer;
  session: { id: string; resuming: boolean };
}
type Cache = object;
interface ForgeTls {
  CipherSuites: Record<string, unknown>;
  createSessionCache(cache: object, capacity: number): Cache;
  createConnection(o: Record<string, unknown>): ForgeConnection;
}
const ftls = forge.tls as unknown as ForgeTls;

interface Pair {
  client: ForgeConnection;
  server: ForgeConnection;
  /** Bytes of application data the server has received. */
  received(): number;
}

function connectPair(caStore: forge.pki.CAStore, caches?: { client: Cache; server: Cache }, sessionId?: string): Pair {
  let received = 0;
  let connected = 0;
  let failure: unknown = null;
  const common = {
    cipherSuites: [ftls.CipherSuites.TLS_RSA_WITH_AES_128_CBC_SHA],
    connected: () => void connected++,
    closed: () => {},
    error: (_c: ForgeConnection, e: unknown) => {
      failure ??= e;
    },
  };
  const server: ForgeConnection = ftls.createConnection({
    ...common,
    server: true,
    ...(caches ? { sessionCache: caches.server } : {}),
    getCertificate: () => [pki('server-rsa.crt'), pki('intermediate.crt')],
    getPrivateKey: () => pki('server-rsa.pkcs1.key'),
    tlsDataReady: (c: ForgeConnection) => void client.process(c.tlsData.getBytes()),
    dataReady: (c: ForgeConnection) => {
      received += c.data.length();
      c.data.clear();
    },
  });
  const client: ForgeConnection = ftls.createConnection({
    ...common,
    server: false,
    caStore,
    virtualHost: 'localhost',
    ...(caches ? { sessionCache: caches.client } : {}),
    verify: (_c: ForgeConnection, verified: boolean | string) => verified === true,
    tlsDataReady: (c: ForgeConnection) => void server.process(c.tlsData.getBytes()),
    dataReady: () => {},
  });
  client.handshake(sessionId);
  if (failure || connected !== 2) throw new Error(`forge handshake failed: ${JSON.stringify(failure)}`);
  return { client, server, received: () => received };
}

export async function forgeRows(b: Budget, phase: Phase): Promise<ImplResult> {
  const out: ImplResult = { rows: [], missing: [] };
  const caStore = forge.pki.createCaStore([pki('ca.pem')]);
  // Forge's one figure per metric is the reference for every row of it: filtered by metric only.
  if (phase === 'memory') {
    if (!wanted(b, 'heap_bytes_per_idle_connection')) return out;
    await idleCostRow(
      b,
      out,
      { impl: 'forge', metric: 'heap_bytes_per_idle_connection', suite: SUITE },
      async () => connectPair(caStore),
      async (held) => held.forEach((p) => p.client.close()),
    );
    return out;
  }
  if (wanted(b, 'full_handshakes_per_s')) {
    await measureRow(b, out, { impl: 'forge', metric: 'full_handshakes_per_s', kex: 'RSA', suite: SUITE }, () =>
      opsPerSecond(b.seconds, async () => {
        const p = connectPair(caStore);
        p.client.close();
      }),
    );
  }

  // Resumption through forge's session caches (session id), both ends remembering the first session.
  if (wanted(b, 'resumed_handshakes_per_s')) {
    await measureRow(b, out, { impl: 'forge', metric: 'resumed_handshakes_per_s', kex: 'RSA', suite: SUITE }, () => {
      const caches = { client: ftls.createSessionCache({}, 100), server: ftls.createSessionCache({}, 100) };
      const first = connectPair(caStore, caches);
      const id = first.client.session.id;
      first.client.close();
      return opsPerSecond(b.seconds, async () => {
        const p = connectPair(caStore, caches, id);
        if (!p.client.session.resuming) throw new Error('forge: the session was not resumed');
        p.client.close();
      });
    });
  }

  // Synchronous: no timer can interrupt it, but it stops by its own clock.
  if (wanted(b, 'bulk_mb_per_s')) await measureRow(b, out, { impl: 'forge', metric: 'bulk_mb_per_s', family: 'CBC', suite: SUITE }, () => bulk(connectPair(caStore), b.seconds));
  return out;
}

/** 16 KiB writes for `seconds` (forge works synchronously: every write is decrypted by the time prepare returns). */
function bulk(p: Pair, seconds: number): number {
  const chunk = 'a'.repeat(CHUNK);
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < seconds * 1000) {
    p.client.prepare(chunk);
    sent += CHUNK;
  }
  const t1 = performance.now();
  if (p.received() !== sent) throw new Error(`forge: sent ${sent} bytes, received ${p.received()}`);
  p.client.close();
  return mbPerSecond(sent, t1 - t0);
}

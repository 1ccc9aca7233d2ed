/** Node's own `tls` (OpenSSL), both ends in this process over 127.0.0.1: the native reference. */
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { CHUNK, wanted, idleCostRow, mbPerSecond, measureRow, opsPerSecond, pki, type Budget, type Family, type ImplResult, type Kex, type Phase, type Version } from './common.js';

const OPENSSL_SUITE: Record<string, string> = {
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
};
/** OpenSSL's names of the signature schemes a row's client offers (TLS 1.3: which certificate signs). */
const OPENSSL_SIGALG: Record<string, string> = { rsa_pss_rsae_sha256: 'rsa_pss_rsae_sha256', ecdsa_secp256r1_sha256: 'ecdsa_secp256r1_sha256' };

interface Server {
  port: number;
  accepted: tls.TLSSocket[];
  close(): Promise<void>;
}

async function startServer(version: Version): Promise<Server> {
  const accepted: tls.TLSSocket[] = [];
  const server = tls.createServer({
    // Both identities: OpenSSL picks the one the negotiated suite needs.
    key: [pki('server-rsa.key'), pki('server-ecdsa.key')],
    cert: [pki('server-rsa-chain.pem'), pki('server-ecdsa-chain.pem')],
    ciphers: Object.values(OPENSSL_SUITE).join(':'),
    maxVersion: version,
    minVersion: version,
  });
  server.on('secureConnection', (s) => {
    accepted.push(s);
    s.on('error', () => {});
    s.on('close', () => accepted.splice(accepted.indexOf(s), 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of accepted) s.destroy();
        server.close(() => r());
      }),
  };
}

function dial(port: number, suite: string, session?: Buffer, version: Version = 'TLSv1.2', sigalgs?: string[]): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: pki('ca.pem'),
      ...(version === 'TLSv1.3' ? { ciphersuites: OPENSSL_SUITE[suite]! } : { ciphers: OPENSSL_SUITE[suite]! }),
      minVersion: version,
      maxVersion: version,
      ...(sigalgs ? { sigalgs: sigalgs.map((x) => OPENSSL_SIGALG[x] ?? x).join(':') } : {}),
      ...(session ? { session } : {}),
    });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

const closeSocket = (s: tls.TLSSocket) =>
  new Promise<void>((r) => {
    s.once('close', () => r());
    s.destroy();
  });

export async function nativeRows(
  b: Budget,
  suites: { kex: Partial<Record<Kex, string>>; bulk: Partial<Record<Family, string>> },
  phase: Phase,
  version: Version = 'TLSv1.2',
  sigalgs?: Partial<Record<Kex, string[]>>,
): Promise<ImplResult> {
  const out: ImplResult = { rows: [], missing: [] };
  const rows = out.rows;
  const kexes = (Object.entries(suites.kex) as [Kex, string][]).filter(([k]) => wanted(b, 'full_handshakes_per_s', k, version));
  const families = (Object.entries(suites.bulk) as [Family, string][]).filter(([f]) => wanted(b, 'bulk_mb_per_s', f, version));
  const resumed = wanted(b, 'resumed_handshakes_per_s', 'ECDHE_RSA', version);
  if (phase === 'memory' ? !wanted(b, 'heap_bytes_per_idle_connection', undefined, version) : !kexes.length && !families.length && !resumed) return out;
  const srv = await startServer(version);
  try {
    if (phase === 'memory') {
      await idleCostRow(
        b,
        out,
        { impl: 'native', metric: 'heap_bytes_per_idle_connection', suite: suites.kex.ECDHE_RSA!, version },
        () => dial(srv.port, suites.kex.ECDHE_RSA!, undefined, version),
        async (held) => {
          await Promise.all(held.map(closeSocket));
        },
      );
      return out;
    }
    for (const [kex, suite] of kexes) {
      await measureRow(b, out, { impl: 'native', metric: 'full_handshakes_per_s', kex, suite, version }, () =>
        opsPerSecond(b.seconds, async () => closeSocket(await dial(srv.port, suite, undefined, version, sigalgs?.[kex]))),
      );
    }
    // Resumption: the session (1.2 ticket, 1.3 NewSessionTicket) from a first connection, offered again and again.
    if (resumed) {
      const resumeSuite = suites.kex.ECDHE_RSA!;
      await measureRow(b, out, { impl: 'native', metric: 'resumed_handshakes_per_s', kex: 'ECDHE_RSA', suite: resumeSuite, version }, async () => {
        const first = await dial(srv.port, resumeSuite, undefined, version);
        // 1.3: the ticket arrives after the handshake ('session'); getSession() before it has nothing to resume.
        const session = await new Promise<Buffer>((r) => (version === 'TLSv1.2' && first.getSession() ? r(first.getSession()!) : first.once('session', r)));
        await closeSocket(first);
        return opsPerSecond(b.seconds, async () => {
          const s = await dial(srv.port, resumeSuite, session, version);
          if (!s.isSessionReused()) throw new Error('native: the session was not resumed');
          await closeSocket(s);
        });
      });
    }

    for (const [family, suite] of families) {
      await measureRow(b, out, { impl: 'native', metric: 'bulk_mb_per_s', family, suite, version }, () => bulk(srv, suite, b.seconds, version));
    }
  } finally {
    await srv.close();
  }
  return out;
}

/** 16 KiB writes, honouring backpressure, for `seconds`; MB/s as seen by the receiving end. */
async function bulk(srv: Server, suite: string, seconds: number, version: Version): Promise<number> {
  const client = await dial(srv.port, suite, undefined, version);
  while (!srv.accepted.length) await new Promise((r) => setImmediate(r));
  const server = srv.accepted[srv.accepted.length - 1]!;
  const chunk = Buffer.alloc(CHUNK, 0x61);
  let received = 0;
  let sent = 0;
  const done = new Promise<number>((resolve) => {
    server.on('data', (d: Buffer) => {
      received += d.length;
      if (stopped && received === sent) resolve(performance.now());
    });
  });
  let stopped = false;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    sent += CHUNK;
    if (!client.write(chunk)) await new Promise((r) => client.once('drain', r));
  }
  stopped = true;
  const t1 = received === sent ? performance.now() : await done;
  await closeSocket(client);
  return mbPerSecond(received, t1 - t0);
}

/** Our client against our server over memoryPair: run both handshakes, exchange data, collect both outcomes. */
import { connect, type ConnectOptions } from '../../src/client.js';
import { accept, type AcceptOptions } from '../../src/server.js';
import { memoryPair } from '../../src/transport/memory.js';
import type { TlsConnection } from '../../src/connection.js';
import type { ByteStream } from '../../src/transport/types.js';
import { pki } from '../helpers/pki.js';

export type ClientOpts = Omit<ConnectOptions, 'transport'>;
export type ServerOpts = Omit<AcceptOptions, 'transport'>;

export const rsaServer = { cert: pki.serverRsa.chain, key: pki.serverRsa.key };
export const ecdsaServer = { cert: pki.serverEcdsa.chain, key: pki.serverEcdsa.key };
export const baseClient: ClientOpts = { ca: pki.ca, serverName: 'localhost' };

export interface Outcome {
  client: PromiseSettledResult<TlsConnection>;
  server: PromiseSettledResult<TlsConnection>;
}

/** Both sides' results; a wrapper may sit between them (to observe or rewrite bytes). */
export async function handshake(
  c: ClientOpts,
  s: ServerOpts,
  wire?: (clientEnd: ByteStream) => ByteStream,
): Promise<Outcome> {
  const [a, b] = memoryPair();
  const [client, server] = await Promise.allSettled([
    connect({ ...baseClient, ...c, transport: wire ? wire(a) : a }),
    accept({ ...s, transport: b }),
  ]);
  return { client, server };
}

async function readAll(conn: TlsConnection, n: number): Promise<Uint8Array> {
  const reader = conn.readable.getReader();
  const parts: number[] = [];
  while (parts.length < n) {
    const r = await reader.read();
    if (r.done) break;
    parts.push(...r.value);
  }
  reader.releaseLock();
  return Uint8Array.from(parts);
}

/** Send a message each way and check it arrives, then close both. */
export async function exchange(client: TlsConnection, server: TlsConnection): Promise<void> {
  const up = new TextEncoder().encode('ping from client '.repeat(50));
  const down = new TextEncoder().encode('pong from server '.repeat(70));
  const cw = client.writable.getWriter();
  const sw = server.writable.getWriter();
  const [gotUp, gotDown] = await Promise.all([readAll(server, up.length), readAll(client, down.length), cw.write(up), sw.write(down)]);
  cw.releaseLock();
  sw.releaseLock();
  if (Buffer.compare(Buffer.from(gotUp), Buffer.from(up)) !== 0) throw new Error('client→server data differs');
  if (Buffer.compare(Buffer.from(gotDown), Buffer.from(down)) !== 0) throw new Error('server→client data differs');
  await Promise.all([client.close(), server.close()]);
}

export function ok(r: PromiseSettledResult<TlsConnection>): TlsConnection {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

export function errCode(r: PromiseSettledResult<TlsConnection>): string | undefined {
  return r.status === 'rejected' ? (r.reason as { code?: string }).code : undefined;
}

/**
 * A client end whose outgoing TLS records pass through `rewrite` (plaintext handshake records can be
 * read and changed; returning null drops the record). Records are reassembled across writes first.
 */
export function rewriteClientRecords(rewrite: (type: number, fragment: Uint8Array) => Uint8Array | null): (end: ByteStream) => ByteStream {
  return (end) => {
    let buf = new Uint8Array(0);
    const writer = end.writable.getWriter();
    const writable = new WritableStream<Uint8Array>({
      async write(chunk) {
        const all = new Uint8Array(buf.length + chunk.length);
        all.set(buf);
        all.set(chunk, buf.length);
        let off = 0;
        const out: number[] = [];
        while (all.length - off >= 5) {
          const len = (all[off + 3]! << 8) | all[off + 4]!;
          if (all.length - off < 5 + len) break;
          const type = all[off]!;
          const frag = rewrite(type, all.slice(off + 5, off + 5 + len));
          if (frag) out.push(type, all[off + 1]!, all[off + 2]!, frag.length >> 8, frag.length & 0xff, ...frag);
          off += 5 + len;
        }
        buf = all.slice(off);
        if (out.length) await writer.write(Uint8Array.from(out));
      },
      close: () => writer.close(),
      abort: () => writer.abort(),
    });
    return { readable: end.readable, writable };
  };
}

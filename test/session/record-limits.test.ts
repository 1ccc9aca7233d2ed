/** max_fragment_length (RFC 6066) and record_size_limit (RFC 8449) between our client and our server, seen on the wire. */
import { describe, expect, it } from 'vitest';
import { connect, type ConnectOptions } from '../../src/client.js';
import { accept, createServerContext, type ServerOptions } from '../../src/server.js';
import { memoryPair } from '../../src/transport/memory.js';
import { pki } from '../helpers/pki.js';
import { rsaServer } from '../loopback/harness.js';
import { records, serverHelloExtensionTypes, tap } from './wire.js';

const MFL = 1;
const RSL = 28;
const GCM = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256';
/** GCM record body: 8-byte explicit nonce + plaintext + 16-byte tag. */
const GCM_OVERHEAD = 24;
const DATA = new Uint8Array(3000).fill(0x61);

async function run(c: Partial<ConnectOptions>, s: Partial<ServerOptions> = {}) {
  const [a, b] = memoryPair();
  const cw = tap(a);
  const [client, server] = await Promise.all([
    connect({ transport: cw.stream, ca: pki.ca, serverName: 'localhost', cipherSuites: [GCM], ...c }),
    accept({ ...rsaServer, ...s, transport: b }),
  ]);
  // Both directions carry DATA.
  const cWriter = client.writable.getWriter();
  const sWriter = server.writable.getWriter();
  const read = async (conn: typeof client) => {
    const r = conn.readable.getReader();
    let n = 0;
    while (n < DATA.length) n += (await r.read()).value!.length;
    r.releaseLock();
  };
  await Promise.all([cWriter.write(DATA), sWriter.write(DATA), read(client), read(server)]);
  await Promise.all([client.close(), server.close()]);
  const largest = (bytes: Uint8Array) => Math.max(...records(bytes).filter((r) => r.type === 23).map((r) => r.body.length - GCM_OVERHEAD));
  return { fromServer: cw.incoming(), serverMax: largest(cw.incoming()), clientMax: largest(cw.outgoing()) };
}

describe('record size limits', () => {
  it('max_fragment_length: the server answers it and caps its records', async () => {
    const r = await run({ maxFragmentLength: 512 });
    expect(serverHelloExtensionTypes(r.fromServer)).toContain(MFL);
    expect(r.serverMax).toBe(512);
    expect(r.clientMax).toBe(512);
  });
  it('without it, full-size records', async () => {
    const r = await run({});
    expect(serverHelloExtensionTypes(r.fromServer)).not.toContain(MFL);
    expect(r.serverMax).toBe(DATA.length);
  });
  it('record_size_limit: the server caps at the client limit and announces its own, which the client honours', async () => {
    const r = await run({ recordSizeLimit: 256 }, { recordSizeLimit: 100 });
    expect(serverHelloExtensionTypes(r.fromServer)).toContain(RSL);
    expect(r.serverMax).toBe(256);
    expect(r.clientMax).toBe(100);
  });
  it('record_size_limit supersedes max_fragment_length when both are offered', async () => {
    const r = await run({ recordSizeLimit: 1000, maxFragmentLength: 512 });
    const types = serverHelloExtensionTypes(r.fromServer);
    expect(types).toContain(RSL);
    expect(types).not.toContain(MFL);
    expect(r.serverMax).toBe(1000);
    // The server's default limit is the TLS 1.2 maximum, so the client sends full records.
    expect(r.clientMax).toBe(DATA.length);
  });
  it('a recordSizeLimit outside 64..16384 is a configuration error', async () => {
    for (const recordSizeLimit of [20000, 63, 100.5]) {
      expect(() => createServerContext({ ...rsaServer, recordSizeLimit })).toThrow(/recordSizeLimit/);
    }
  });
});

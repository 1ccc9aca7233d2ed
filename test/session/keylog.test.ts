import type { CipherSuiteName } from '../../src/crypto/suites.js';
/**
 * NSS key log lines (CLIENT_RANDOM <client random> <master secret>) from both sides, for full and resumed
 * handshakes: the logged secret alone, with the captured bytes, re-derives the keys and decrypts the server's
 * records through the record layer, as Wireshark would.
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { accept, createServerContext } from '../../src/server.js';
import { memoryPair } from '../../src/transport/memory.js';
import type { TlsSession } from '../../src/handshake/session.js';
import { createProtection } from '../../src/record/protection.js';
import { keyBlock } from '../../src/crypto/prf.js';
import { tls12SuiteByName } from '../../src/crypto/suites.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { fromHex } from '../../src/handshake/codec.js';
import { pki } from '../helpers/pki.js';
import { rsaServer } from '../loopback/harness.js';
import { records, serverHelloExtensionTypes, serverRandom, tap } from './wire.js';

const MESSAGE = 'secret application data from the server';

async function logged(ctx: ReturnType<typeof createServerContext>, suite: CipherSuiteName, session?: TlsSession) {
  const clientLines: string[] = [];
  const serverLines: string[] = [];
  const [a, b] = memoryPair();
  const wire = tap(b);
  const [client, server] = await Promise.all([
    connect({ transport: a, ca: pki.ca, serverName: 'localhost', cipherSuites: [suite], keyLog: (l) => clientLines.push(l), ...(session ? { session } : {}) }),
    accept({ context: ctx, transport: wire.stream, keyLog: (l) => serverLines.push(l) }),
  ]);
  const w = server.writable.getWriter();
  await w.write(new TextEncoder().encode(MESSAGE));
  const r = client.readable.getReader();
  let got = '';
  while (got.length < MESSAGE.length) got += new TextDecoder().decode((await r.read()).value);
  await Promise.all([client.close(), server.close()]);
  return { client, clientLines, serverLines, serverBytes: wire.outgoing() };
}

/** Decrypt the server's protected records with keys derived from the key log line alone. */
async function decryptWithLog(line: string, serverBytes: Uint8Array, suiteName: string): Promise<string[]> {
  const m = /^CLIENT_RANDOM ([0-9a-f]{64}) ([0-9a-f]{96})$/.exec(line);
  expect(m).not.toBeNull();
  const suite = tls12SuiteByName(suiteName)!;
  const version = 0x0303;
  const kb = keyBlock(version, suite, fromHex(m![2]!), fromHex(m![1]!), serverRandom(serverBytes));
  const prot = await createProtection({
    suite,
    version,
    provider: nobleProvider,
    random: () => new Uint8Array(0),
    encryptThenMac: serverHelloExtensionTypes(serverBytes).includes(22),
    key: kb.serverKey,
    macKey: kb.serverMacKey,
    iv: kb.serverIv,
  });
  const recs = records(serverBytes);
  const afterCcs = recs.slice(recs.findIndex((x) => x.type === 20) + 1);
  const out: string[] = [];
  // In order from the first protected record (the Finished), so sequence numbers line up.
  for (const rec of afterCcs) {
    const plain = await prot.open(rec.type, rec.version, rec.body);
    if (rec.type === 23) out.push(new TextDecoder().decode(plain));
  }
  return out;
}

describe('key log', () => {
  for (const suite of ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'] as const) {
    it(`${suite}: full and resumed handshakes log the same line on both sides, and it decrypts the capture`, async () => {
      const ctx = createServerContext({ ...rsaServer });
      const full = await logged(ctx, suite);
      expect(full.clientLines).toHaveLength(1);
      expect(full.serverLines).toEqual(full.clientLines);
      expect(await decryptWithLog(full.clientLines[0]!, full.serverBytes, suite)).toEqual([MESSAGE]);

      const resumed = await logged(ctx, suite, full.client.session!);
      expect(resumed.client.resumed).toBe(true);
      expect(resumed.serverLines).toEqual(resumed.clientLines);
      // Same master secret, new randoms.
      expect(resumed.clientLines[0]!.split(' ')[2]).toBe(full.clientLines[0]!.split(' ')[2]);
      expect(resumed.clientLines[0]).not.toBe(full.clientLines[0]);
      expect(await decryptWithLog(resumed.clientLines[0]!, resumed.serverBytes, suite)).toEqual([MESSAGE]);
    });
  }
});

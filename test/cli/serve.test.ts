/**
 * puretls serve as s_server users expect it: --www answers in one application-data record, --no-ticket issues no
 * ticket, --cert2/--key2 serve ECDSA beside RSA (chosen per client), --keylog writes a 0600 key log.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect, nodeStream, type ConnectOptions } from '../../src/index.js';
import { runClient, stopAll, opensslAvailable } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';
import { startCli, stopCli } from '../helpers/cli.js';
import { derBlobs } from '../../src/pem.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'puretls-serve-'));

afterAll(async () => {
  stopCli();
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

/** Start `puretls serve` and wait for its "listening on HOST:PORT" line. */
async function serve(args: string[]): Promise<{ port: number; stop: () => void; log: () => string }> {
  const d = await startCli(['serve', '--listen', '127.0.0.1:0', ...args]);
  return { port: d.port, log: d.stderr, stop: d.stop };
}

/**
 * A verified connection whose raw inbound bytes are parsed into TLS records, so the test sees how many
 * application-data records (content type 23) the server sent.
 */
async function recordCountingConnect(port: number, o: Pick<ConnectOptions, 'maxVersion' | 'cipherSuites'> = {}) {
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const raw = nodeStream(sock);
  const types: number[] = [];
  let pending = new Uint8Array(0);
  const counted = raw.readable.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        const all = new Uint8Array(pending.length + chunk.length);
        all.set(pending);
        all.set(chunk, pending.length);
        let at = 0;
        while (all.length - at >= 5) {
          const len = (all[at + 3]! << 8) | all[at + 4]!;
          if (all.length - at < 5 + len) break;
          types.push(all[at]!);
          at += 5 + len;
        }
        pending = all.slice(at);
        c.enqueue(chunk);
      },
    }),
  );
  const conn = await connect({ transport: { readable: counted, writable: raw.writable }, serverName: 'localhost', ca: pki.ca, ...o });
  return { conn, appDataRecords: () => types.filter((t) => t === 23).length };
}

async function get(conn: Awaited<ReturnType<typeof connect>>): Promise<string> {
  const w = conn.writable.getWriter();
  await w.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
  w.releaseLock();
  let text = '';
  const reader = conn.readable.getReader();
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
    if (done) return text;
    text += new TextDecoder().decode(value);
  }
}

describe('puretls serve', () => {
  it('--www answers each request in exactly one application-data record (TLS 1.2 GCM, TLS 1.1 CBC)', async () => {
    const srv = await serve(['--www', '--min', 'TLSv1', '--cert', pki.serverRsa.chainPath, '--key', pki.serverRsa.keyPath]);
    try {
      for (const o of [{ maxVersion: 'TLSv1.2' }, { maxVersion: 'TLSv1.1', cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'] }] satisfies Pick<ConnectOptions, 'maxVersion' | 'cipherSuites'>[]) {
        const { conn, appDataRecords } = await recordCountingConnect(srv.port, o);
        const page = await get(conn);
        expect(page).toMatch(/^HTTP\/1\.0 200 ok\r\n[^]*\r\n\r\npuretls serve: connection #\d+\n/);
        expect(appDataRecords()).toBe(1);
      }
    } finally {
      srv.stop();
    }
  });

  it('--cert2/--key2 serve ECDSA beside RSA, each client getting the key its suites can use', async () => {
    const srv = await serve(['--www', '-cert', pki.serverRsa.chainPath, '-key', pki.serverRsa.keyPath, '-cert2', pki.serverEcdsa.chainPath, '-key2', pki.serverEcdsa.keyPath]);
    try {
      for (const [suite, keyType] of [
        ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ecdsa'],
        ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'rsa'],
      ] as const) {
        const { conn } = await recordCountingConnect(srv.port, { cipherSuites: [suite] });
        expect(conn.cipherSuite).toBe(suite);
        const leaf = conn.peerCertificateChain()[0]!;
        expect(Buffer.from(leaf).equals(Buffer.from(derBlobs((keyType === 'ecdsa' ? pki.serverEcdsa : pki.serverRsa).cert)[0]!.der))).toBe(true);
        await get(conn);
      }
    } finally {
      srv.stop();
    }
    const half = await serve(['--cert', pki.serverRsa.chainPath, '--key', pki.serverRsa.keyPath, '--cert2', pki.serverEcdsa.chainPath]).catch((e: Error) => e);
    expect(String(half)).toContain('--cert2 and --key2 go together [config_invalid]');
  });

  it.skipIf(!opensslAvailable())('--no-ticket: s_client gets no session ticket (and does without the option); --keylog: a 0600 key log', async () => {
    const keylog = path.join(tmp, 'keys.log');
    const plain = await serve(['--www', '--cert', pki.serverRsa.chainPath, '--key', pki.serverRsa.keyPath, '--keylog', keylog]);
    const noTicket = await serve(['--www', '--cert', pki.serverRsa.chainPath, '--key', pki.serverRsa.keyPath, '-no_ticket']);
    try {
      const args = ['-tls1_2', '-CAfile', pki.caPath, '-verify_return_error', '-servername', 'localhost', '-ign_eof'];
      const withTicket = await runClient({ port: plain.port, args, input: 'GET / HTTP/1.0\r\n\r\n' });
      expect(withTicket.stdout).toContain('Verify return code: 0 (ok)');
      expect(withTicket.stdout).toContain('TLS session ticket:');
      const without = await runClient({ port: noTicket.port, args, input: 'GET / HTTP/1.0\r\n\r\n' });
      expect(without.stdout).toContain('Verify return code: 0 (ok)');
      expect(without.stdout).toContain('HTTP/1.0 200 ok');
      expect(without.stdout).not.toContain('TLS session ticket:');
      expect(readFileSync(keylog, 'utf8')).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/m);
      expect(statSync(keylog).mode & 0o777).toBe(0o600);
    } finally {
      plain.stop();
      noTicket.stop();
    }
  });
});

describe.skipIf(!opensslAvailable())('puretls serve: TLS 1.3 resumption and 0-RTT', () => {
  it('--max TLSv1.3 --early-data: s_client resumes, its request goes as early data and the page says it was accepted', async () => {
    const s = await serve(['--cert', pki.serverRsa.chainPath, '--key', pki.serverRsa.keyPath, '--max', 'TLSv1.3', '--early-data']);
    try {
      const sess = path.join(tmp, 'serve13.sess');
      const early = path.join(tmp, 'serve13.early');
      const request = 'GET / HTTP/1.0\r\n\r\n';
      writeFileSync(early, request);
      const args = ['-tls1_3', '-CAfile', pki.caPath, '-servername', 'localhost', '-ign_eof'];
      const first = await runClient({ port: s.port, args: [...args, '-sess_out', sess], input: request, timeoutMs: 20000 });
      expect(first.stdout).toContain('New, TLSv1.3');
      expect(first.stdout).toContain('Early data: (none)');
      const again = await runClient({ port: s.port, args: [...args, '-sess_in', sess, '-early_data', early], input: '', timeoutMs: 20000 });
      expect(again.stdout).toContain('Reused, TLSv1.3');
      expect(again.stdout + again.stderr).toContain('Early data was accepted');
      expect(again.stdout).toContain('Resumed: yes');
      expect(again.stdout).toContain('Early data: accepted');
      for (let i = 0; i < 100 && !/resumed early-data=accepted/.test(s.log()); i++) await new Promise((r) => setTimeout(r, 50));
      expect(s.log()).toMatch(/TLSv1\.3 TLS_AES_\S+ SNI=localhost resumed early-data=accepted/);
    } finally {
      s.stop();
    }
  });
});


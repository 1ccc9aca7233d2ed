/**
 * A scripted TLS 1.3 server, for attacking our 1.3 client: a real handshake (key schedule, record protection,
 * signatures all genuine) whose steps a test can drop, reorder or bend, so a test fails only for the reason it
 * names. It serves one RSA certificate, TLS_AES_128_GCM_SHA256, and whatever group the client shared.
 */
import { Engine } from '../../src/engine.js';
import type { HandshakeIO, HandshakeResult } from '../../src/handshake/io.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';
import { ExtensionType as ET, findExtension, type Extension } from '../../src/handshake/extensions.js';
import { ExtensionType13 as ET13 } from '../../src/handshake/extensions13.js';
import * as X13 from '../../src/handshake/extensions13.js';
import * as M from '../../src/handshake/messages.js';
import * as M13 from '../../src/handshake/messages13.js';
import { DOWNGRADE_SENTINEL_OFFSET, DOWNGRADE_TLS12 } from '../../src/handshake/downgrade.js';
import { HandshakeType13 as HT13 } from '../../src/handshake/messages13.js';
import { recordProtection13 } from '../../src/record/protection13.js';
import { TLS12, TLS13, tls13SuiteById } from '../../src/crypto/suites.js';
import { KeySchedule13, finishedVerifyData13, trafficKey } from '../../src/crypto/keyschedule.js';
import { hash as digest } from '../../src/crypto/hash.js';
import { serverKeyShare13, signData } from '../../src/crypto/ops.js';
import { GROUPS, groupById } from '../../src/crypto/kex.js';
import { schemeById } from '../../src/crypto/sig.js';
import { loadIdentity } from '../../src/config.js';
import { clientHandshake } from '../../src/handshake/client.js';
import { seededRandom } from '../../fuzz/rng.js';
import { truncatedClientHello, verifyBinder } from '../../src/handshake/psk13.js';
import { TlsError } from '../../src/errors.js';
import type { ClientHandshakeConfig } from '../../src/handshake/client.js';
import { now, clientConfig } from '../../fuzz/scenarios.js';
import { pki } from './scripted.js';

export interface Server13Script {
  /** Send a HelloRetryRequest asking for this group first (and a second one after the retry, if `secondHrr`). */
  hrrGroup?: number;
  secondHrr?: boolean;
  /** The group named in the ServerHello's key_share (default: the client's first share). */
  shareGroup?: number;
  /** Drop these messages of our flight. */
  drop?: number[];
  /** Send Finished right after EncryptedExtensions (before Certificate). */
  finishedFirst?: boolean;
  /** Send a ServerHello without supported_versions' 1.3 but with a downgrade sentinel (a 1.2 ServerHello). */
  downgradeTo12?: boolean;
  /**
   * Resume with a PSK (§2.2): the server's copy of the key (`key`; a binder that does not verify with it fails the
   * server), the identity it selects (default 0, whether or not the client offered one), the suite it picks
   * (default TLS_AES_128_GCM_SHA256), no key_share (psk_ke), a Certificate and CertificateVerify anyway, early_data
   * in EncryptedExtensions.
   */
  psk?: { key: Uint8Array; selectedIdentity?: number; suite?: number; noKeyShare?: boolean; sendCertificate?: boolean; acceptEarlyData?: boolean };
  /** The client sends early data: skip it (after a HelloRetryRequest as plaintext-era records, else by trial decryption). */
  skipEarlyData?: boolean;
  /** Send a NewSessionTicket in the flight of our Finished, before the client's Finished (RFC 8446 §4.6.1 allows it). */
  ticketWithFinished?: boolean;
}

const DEFAULT_SUITE = tls13SuiteById(0x1301)!;
const identity = loadIdentity(pki.serverRsa.cert, pki.serverRsa.key);

async function scriptedServer13(io: HandshakeIO, o: Server13Script): Promise<HandshakeResult> {
  const SUITE = o.psk?.suite ? tls13SuiteById(o.psk.suite)! : DEFAULT_SUITE;
  const th = () => digest(SUITE.hash, io.transcript.bytes());
  let chMsg = await io.expect(HT.client_hello);
  let ch = M.decodeClientHello(chMsg.body);
  io.enableTls13();
  io.setRecordVersion(TLS12);
  if (o.downgradeTo12) {
    const random = io.random(32);
    random.set(DOWNGRADE_TLS12, DOWNGRADE_SENTINEL_OFFSET);
    await io.send(HT.server_hello, M.encodeServerHello({ version: TLS12, random, sessionId: ch.sessionId, cipherSuite: 0xc02f, compressionMethod: 0, extensions: [] }));
    await io.expect(HT.finished); // never comes
  }
  const hrr = async (group: number) => {
    const all = io.transcript.bytes();
    io.transcript.replaceWithMessageHash(digest(SUITE.hash, all));
    const ext: Extension[] = [
      { type: ET13.supported_versions, data: X13.encodeSupportedVersionsServer(TLS13) },
      { type: ET13.key_share, data: X13.encodeKeyShareHrr(group) },
    ];
    await io.send(HT.server_hello, M.encodeServerHello(M13.helloRetryRequest(ch.sessionId, SUITE.id, ext)));
    if (o.skipEarlyData) io.skipEarlyData(1 << 14, 'plain');
    chMsg = await io.expect(HT.client_hello);
    ch = M.decodeClientHello(chMsg.body);
  };
  if (o.hrrGroup !== undefined) {
    await hrr(o.hrrGroup);
    if (o.secondHrr) await hrr(GROUPS.secp384r1);
  }
  // A genuine server checks the binder before it takes the PSK (§4.2.11): the client's binder must verify.
  const offered = findExtension(ch.extensions, ET13.pre_shared_key);
  if (o.psk && offered) {
    const all = io.transcript.bytes();
    const psks = X13.decodePreSharedKeyClient(offered.data);
    // The tests' PSKs are SHA-256 ones, whatever suite the script then picks.
    const ok = await verifyBinder(io.provider, 'sha256', o.psk.key, 'res', all.subarray(0, all.length - chMsg.raw.length), truncatedClientHello(chMsg.raw, psks.binders), psks.binders[0]!);
    if (!ok) throw new TlsError('crypto_decrypt_error', 'scripted server: the PSK binder does not verify');
  }
  const shares = X13.decodeKeyShareClient(findExtension(ch.extensions, ET13.key_share)!.data);
  const theirs = shares[0]!;
  const ours = await serverKeyShare13(io.provider, groupById(theirs.group)!, theirs.keyExchange, io.random);
  const shared = o.psk?.noKeyShare ? new Uint8Array(32) : ours.shared;
  await io.send(
    HT.server_hello,
    M.encodeServerHello({
      version: TLS12,
      random: io.random(32),
      sessionId: ch.sessionId,
      cipherSuite: SUITE.id,
      compressionMethod: 0,
      extensions: [
        { type: ET13.supported_versions, data: X13.encodeSupportedVersionsServer(TLS13) },
        ...(o.psk?.noKeyShare ? [] : [{ type: ET13.key_share, data: X13.encodeKeyShareServer({ group: o.shareGroup ?? theirs.group, keyExchange: ours.pub }) }]),
        ...(o.psk ? [{ type: ET13.pre_shared_key, data: X13.encodePreSharedKeyServer(o.psk.selectedIdentity ?? 0) }] : []),
      ],
    }),
  );
  const schedule = await KeySchedule13.start(io.provider, SUITE.hash, o.psk?.key);
  const hs = await schedule.handshake(shared, th());
  const prot = async (secret: Uint8Array) => {
    const { key, iv } = await trafficKey(io.provider, SUITE.hash, secret, SUITE.keyLen);
    return recordProtection13(io.provider, SUITE.cipher, key, iv);
  };
  await io.setWriteProtection(await prot(hs.server));
  if (o.skipEarlyData && o.hrrGroup === undefined) io.skipEarlyData(1 << 14, 'trial');
  io.setReadProtection(await prot(hs.client));
  const send = async (type: number, body: () => Promise<Uint8Array> | Uint8Array) => {
    if (!o.drop?.includes(type)) await io.send(type, await body());
  };
  const finished = () => send(HT.finished, async () => M13.encodeFinished13({ verifyData: await finishedVerifyData13(io.provider, SUITE.hash, hs.server, th()) }));
  await send(HT13.encrypted_extensions, () =>
    M13.encodeEncryptedExtensions({ extensions: o.psk?.acceptEarlyData ? [{ type: ET13.early_data, data: X13.encodeEarlyDataIndication() }] : [] }),
  );
  if (o.finishedFirst) await finished();
  if (!o.psk || o.psk.sendCertificate) await send(HT.certificate, () => M13.encodeCertificate13({ context: new Uint8Array(0), entries: identity.chain.map((certData) => ({ certData, extensions: [] })) }));
  if (!o.psk || o.psk.sendCertificate) await send(HT.certificate_verify, async () => {
    const scheme = schemeById(0x0804)!;
    const signature = await signData(io.provider, scheme.alg, identity.key, M13.certificateVerifyContent('server', th()), io.random);
    return M13.encodeCertificateVerify13({ scheme: scheme.id, signature });
  });
  if (!o.finishedFirst) await finished();
  const app = await schedule.application(th());
  await io.setWriteProtection(await prot(app.server));
  if (o.ticketWithFinished) {
    // Not part of the transcript; any ticket bytes do for a client that only stores them.
    const nst = M13.encodeNewSessionTicket13({ lifetime: 3600, ageAdd: 7, nonce: Uint8Array.of(0), ticket: Uint8Array.of(1, 2, 3), extensions: [] });
    await io.send(HT.new_session_ticket, nst); // (in this server's transcript too: it does not check the client's Finished)
  }
  await io.expect(HT.finished);
  io.setReadProtection(await prot(app.client));
  return { version: TLS13, suite: SUITE, resumed: false, peerChain: [], verification: { ok: true } };
}

/** The scripted server as a ByteStream peer (over memoryPair), for tests that go through connect(). */
export function serveScripted13(o: Server13Script, transport: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }, seed = 9) {
  const server = new Engine<HandshakeResult>({ random: seededRandom(seed), now });
  const w = transport.writable.getWriter();
  const flush = async () => {
    const out = server.takeOutgoing();
    if (out) await w.write(out);
  };
  const done = (async () => {
    await server.start((io) => scriptedServer13(io, o)).catch(() => {});
    await flush();
    const r = transport.readable.getReader();
    for (;;) {
      const { value, done } = await r.read();
      if (done) break;
      await server.receive(value).catch(() => {});
      await flush();
    }
  })().catch(() => {});
  return { server, done };
}

/** Our real client against the scripted server, pumped until quiet; both engines for the test to inspect. */
export async function clientVsScripted13(o: Server13Script, seed = 5, client13?: Partial<ClientHandshakeConfig>) {
  const client = new Engine<HandshakeResult>({ random: seededRandom(seed), now });
  const server = new Engine<HandshakeResult>({ random: seededRandom(seed + 1000), now });
  const cfg = { ...clientConfig(pki, { maxVersion: 'TLSv1.3', minVersion: 'TLSv1.2' }), ...client13 };
  await server.start((io) => scriptedServer13(io, o)).catch(() => {});
  await client.start((io) => clientHandshake(io, cfg)).catch(() => {});
  for (let i = 0; i < 50; i++) {
    let moved = false;
    for (const [from, to] of [[client, server], [server, client]] as const) {
      const out = from.takeOutgoing();
      if (!out) continue;
      moved = true;
      await to.receive(out).catch(() => {});
    }
    if (!moved) break;
  }
  for (const e of [client, server]) if (e.state === 'handshaking') e.receiveEof();
  return { client, server };
}

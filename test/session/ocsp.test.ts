/**
 * Stapled OCSP responses made by `openssl ocsp` (vectors/ocsp/make.sh): checkOcspResponse on its own, then
 * stapled by our server (status_request) and checked by our client.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { checkOcspResponse } from '../../src/x509/ocsp.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { derBlobs } from '../../src/pem.js';
import { hash } from '../../src/crypto/hash.js';
import { handshake, ok, errCode, exchange, rsaServer } from '../loopback/harness.js';
import { pki, repoRoot } from '../helpers/pki.js';

const vec = (f: string) => new Uint8Array(readFileSync(path.join(repoRoot, 'vectors/ocsp', f)));
const leaf = parseCertificate(derBlobs(pki.serverRsa.cert)[0]!.der);
const issuer = parseCertificate(derBlobs(pki.intermediate)[0]!.der);
const root = parseCertificate(derBlobs(pki.ca)[0]!.der);
const now = new Date();

describe('checkOcspResponse', () => {
  it('good, signed by the issuer', () => {
    const r = checkOcspResponse({ response: vec('good.der'), leaf, issuer, now });
    expect(r.status).toBe('good');
    expect(r.nextUpdate!.getTime()).toBeGreaterThan(now.getTime());
  });
  it('good, signed by a delegated responder (byKey id) the issuer certified for OCSP signing', () => {
    expect(checkOcspResponse({ response: vec('delegated.der'), leaf, issuer, now }).status).toBe('good');
  });
  it('revoked, with the revocation time', () => {
    const r = checkOcspResponse({ response: vec('revoked.der'), leaf, issuer, now });
    expect(r.status).toBe('revoked');
    expect(r.revocationTime!.toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });
  it.each([
    ['wrong-issuer.der', 'signed by the root, not the issuer', /issuer or a responder/],
    ['other-cert.der', 'about another certificate', /does not cover/],
  ])('%s (%s) is a bad certificate status', (f, _why, msg) => {
    expect(() => checkOcspResponse({ response: vec(f), leaf, issuer, now })).toThrow(msg);
  });
  it('a delegated responder only counts when the issuer certified it', () => {
    // With the root as "issuer", the intermediate-issued responder is not authorised (and the CertID differs).
    expect(() => checkOcspResponse({ response: vec('delegated.der'), leaf, issuer: root, now })).toThrow(/OCSP response/);
  });
  it('a flipped signature bit, truncation and garbage are bad certificate status, never another error', () => {
    const good = vec('good.der');
    // Flip a bit of the signed data (inside the issuer name hash of the CertID): the signature no longer verifies.
    const nameHash = hash('sha1', leaf.issuer.der);
    const at = Buffer.from(good).indexOf(Buffer.from(nameHash));
    expect(at).toBeGreaterThan(0);
    const flipped = good.slice();
    flipped[at]! ^= 1;
    expect(() => checkOcspResponse({ response: flipped, leaf, issuer, now })).toThrow(/signature/);
    for (const response of [flipped, good.subarray(0, good.length - 10), Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x03), new Uint8Array(8)]) {
      let code: string | undefined;
      try {
        checkOcspResponse({ response, leaf, issuer, now });
      } catch (e) {
        code = (e as { code?: string }).code;
      }
      expect(code).toBe('protocol_bad_certificate_status');
    }
  });
  it('outside thisUpdate..nextUpdate', () => {
    const r = checkOcspResponse({ response: vec('good.der'), leaf, issuer, now });
    expect(() => checkOcspResponse({ response: vec('good.der'), leaf, issuer, now: new Date(r.thisUpdate.getTime() - 3_600_000) })).toThrow(/future/);
    expect(() => checkOcspResponse({ response: vec('good.der'), leaf, issuer, now: new Date(r.nextUpdate!.getTime() + 3_600_000) })).toThrow(/stale/);
  });
});

describe('stapling between our server and our client', () => {
  const server = (f: string) => ({ ...rsaServer, ocspResponse: vec(f) });
  it('the server staples only when asked; the client exposes and accepts a good response', async () => {
    const asked = await handshake({ requestOcsp: true }, server('good.der'));
    expect(ok(asked.client).ocspResponse).toEqual(vec('good.der'));
    await exchange(ok(asked.client), ok(asked.server));
    const notAsked = await handshake({}, server('good.der'));
    expect(ok(notAsked.client).ocspResponse).toBeUndefined();
    await exchange(ok(notAsked.client), ok(notAsked.server));
  });
  it('revoked fails verification with cert_revoked', async () => {
    const r = await handshake({ requestOcsp: true }, server('revoked.der'));
    expect(errCode(r.client)).toBe('cert_revoked');
  });
  it('a wrong-issuer response fails with protocol_bad_certificate_status (required) or is recorded (optional)', async () => {
    const required = await handshake({ requestOcsp: true }, server('wrong-issuer.der'));
    expect(errCode(required.client)).toBe('protocol_bad_certificate_status');
    const optional = await handshake({ requestOcsp: true, verify: 'optional' }, server('wrong-issuer.der'));
    expect(ok(optional.client).verification).toMatchObject({ ok: false, code: 'protocol_bad_certificate_status' });
    await exchange(ok(optional.client), ok(optional.server));
  });
  it('per identity: the staple follows the certificate chosen (and a function is asked each time)', async () => {
    let calls = 0;
    const s = {
      identities: [
        { cert: pki.serverEcdsa.chain, key: pki.serverEcdsa.key },
        { cert: pki.serverRsa.chain, key: pki.serverRsa.key, ocspResponse: () => (calls++, vec('good.der')) },
      ],
    };
    const ecdsa = await handshake({ requestOcsp: true, cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }, s);
    expect(ok(ecdsa.client).ocspResponse).toBeUndefined();
    await exchange(ok(ecdsa.client), ok(ecdsa.server));
    const rsa = await handshake({ requestOcsp: true, cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] }, s);
    expect(ok(rsa.client).ocspResponse).toEqual(vec('good.der'));
    expect(calls).toBe(1);
    await exchange(ok(rsa.client), ok(rsa.server));
  });
});

/**
 * Issue 15 finding 3: the staple is checked against the issuer on the validated path only. A server adds a
 * look-alike "intermediate" (same subject as the real issuer, a key of its own) to its chain and staples a 'good'
 * answer signed with that key; the path goes through the real intermediate, so the answer is not the issuer's.
 */
describe('a staple signed by a look-alike issuer the server sent', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-ocsp-lookalike-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const f = (n: string) => path.join(dir, n);
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const setup = () => {
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f('fake.key'));
    // The real intermediate's subject, byte for byte (through a request made from it), on a self-signed CA.
    run('x509', '-x509toreq', '-in', path.join(repoRoot, 'vectors/pki/intermediate.crt'), '-key', f('fake.key'), '-out', f('fake.csr'));
    writeFileSync(f('fake.ext'), 'basicConstraints=critical,CA:TRUE\n');
    run('x509', '-req', '-in', f('fake.csr'), '-key', f('fake.key'), '-days', '3650', '-extfile', f('fake.ext'), '-out', f('fake.crt'));
    run('ocsp', '-issuer', f('fake.crt'), '-cert', path.join(repoRoot, 'vectors/pki/server-rsa.crt'), '-no_nonce', '-reqout', f('req.der'));
    const leafSubject = run('x509', '-in', path.join(repoRoot, 'vectors/pki/server-rsa.crt'), '-noout', '-subject', '-nameopt', 'compat').replace(/^subject=/, '').trim();
    writeFileSync(f('index.txt'), `V\t540101000000Z\t\t0A\tunknown\t${leafSubject}\n`);
    run('ocsp', '-index', f('index.txt'), '-CA', f('fake.crt'), '-rsigner', f('fake.crt'), '-rkey', f('fake.key'), '-reqin', f('req.der'), '-respout', f('fake-good.der'), '-ndays', '30');
    return { fake: readFileSync(f('fake.crt'), 'utf8'), staple: new Uint8Array(readFileSync(f('fake-good.der'))) };
  };

  it('is refused with verify required, and recorded with verify optional', async () => {
    const { fake, staple } = setup();
    const fakeCert = parseCertificate(derBlobs(fake)[0]!.der);
    expect(fakeCert.subject.der).toEqual(issuer.subject.der);
    // The answer is well formed and 'good' for the look-alike: only who may answer makes it wrong.
    expect(checkOcspResponse({ response: staple, leaf, issuer: fakeCert, now }).status).toBe('good');
    const srv = { ...rsaServer, cert: pki.serverRsa.chain + fake, ocspResponse: staple };
    const required = await handshake({ requestOcsp: true }, srv);
    expect(errCode(required.client)).toBe('protocol_bad_certificate_status');
    const optional = await handshake({ requestOcsp: true, verify: 'optional' }, srv);
    expect(ok(optional.client).verification).toMatchObject({ ok: false, code: 'protocol_bad_certificate_status' });
    await exchange(ok(optional.client), ok(optional.server));
    // The real issuer's answer, with the same extra certificate in the chain, is still accepted.
    const real = await handshake({ requestOcsp: true }, { ...srv, ocspResponse: vec('good.der') });
    expect(ok(real.client).verification).toEqual({ ok: true });
    await exchange(ok(real.client), ok(real.server));
  });
});

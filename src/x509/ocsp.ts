/**
 * Stapled OCSP responses (RFC 6960, carried by RFC 6066 status_request): is this a valid, current answer from the
 * certificate's issuer about this certificate, and what does it say?
 *
 * Accepted signers (RFC 6960 §4.2.2.2): the issuer itself, or a delegated responder certificate that the issuer
 * signed and that carries id-kp-OCSPSigning. Anything else — unparseable bytes, a non-successful status, another
 * issuer's response, a bad signature, no entry for our certificate, a response outside thisUpdate..nextUpdate —
 * is a `protocol_bad_certificate_status` failure; a well-formed "revoked" is reported as such for the caller to fail.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { TlsError } from '../errors.js';
import { hash, verifySignature, type HashName } from '../crypto/index.js';
import { parseCertificate, parseSignatureAlgorithm, type Certificate, type SignatureAlgorithm } from './certificate.js';
import { bitString, bytesEqual, parseDer, seq } from './asn1.js';

export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

export interface OcspResult {
  status: OcspCertStatus;
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** For 'revoked'. */
  revocationTime?: Date;
}

const ID_PKIX_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
const ID_KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
const CERT_ID_HASHES: Record<string, HashName> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(unused)', 'sigRequired', 'unauthorized'];

function bad(message: string): TlsError {
  return new TlsError('protocol_bad_certificate_status', `OCSP response: ${message}`);
}

const view = (b: ArrayBuffer | Uint8Array) => (b instanceof Uint8Array ? b : new Uint8Array(b));

/** The subjectPublicKey BIT STRING contents of a certificate, which the CertID key hash and byKey cover. */
function publicKeyBits(c: Certificate): Uint8Array {
  const [, bits] = seq(parseDer(c.spkiDer, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo');
  return bitString(bits, 'subjectPublicKey').bytes;
}

function parseBasic(der: Uint8Array): pkijs.BasicOCSPResponse {
  const outer = asn1js.fromBER(der);
  if (outer.offset !== der.length || outer.offset === -1) throw bad('not a single DER structure');
  const resp = new pkijs.OCSPResponse({ schema: outer.result });
  const status = resp.responseStatus.valueBlock.valueDec;
  if (status !== 0) throw bad(`the responder answered '${RESPONSE_STATUS[status] ?? status}'`);
  if (!resp.responseBytes || resp.responseBytes.responseType !== ID_PKIX_OCSP_BASIC) throw bad('not a basic OCSP response');
  const inner = resp.responseBytes.response.valueBlock.valueHexView;
  const basic = asn1js.fromBER(inner);
  if (basic.offset !== inner.length || basic.offset === -1) throw bad('malformed BasicOCSPResponse');
  return new pkijs.BasicOCSPResponse({ schema: basic.result });
}

/** Does the responderID name this certificate (by subject, or by SHA-1 of its key)? */
function responderIs(responderID: unknown, c: Certificate): boolean {
  if (responderID instanceof pkijs.RelativeDistinguishedNames) {
    return bytesEqual(view(responderID.toSchema().toBER(false)), c.subject.der);
  }
  if (responderID instanceof asn1js.OctetString) {
    return bytesEqual(responderID.valueBlock.valueHexView, hash('sha1', publicKeyBits(c)));
  }
  return false;
}

function signatureValid(data: Uint8Array, alg: SignatureAlgorithm, sig: Uint8Array, signer: Certificate): boolean {
  if (!alg.supported || 'error' in signer.publicKey) return false;
  try {
    return verifySignature(alg.alg, signer.publicKey, data, sig);
  } catch {
    return false;
  }
}

/** A delegated responder: issued (and signed) by the issuer, for OCSP signing, valid now. */
function delegatedResponder(c: Certificate, issuer: Certificate, now: Date): boolean {
  return (
    bytesEqual(c.issuer.der, issuer.subject.der) &&
    !!c.extensions.extKeyUsage?.oids.includes(ID_KP_OCSP_SIGNING) &&
    c.notBefore <= now &&
    now <= c.notAfter &&
    signatureValid(c.tbsDer, c.signatureAlgorithm, c.signature, issuer)
  );
}

/**
 * Check a DER OCSPResponse about `leaf`, whose issuer is `issuer`, at time `now`.
 * `skewMs` tolerates clocks a little apart (default 5 minutes). Throws `protocol_bad_certificate_status`.
 */
export function checkOcspResponse(o: { response: Uint8Array; leaf: Certificate; issuer: Certificate; now: Date; skewMs?: number }): OcspResult {
  const { leaf, issuer, now } = o;
  const skew = o.skewMs ?? 5 * 60_000;
  let basic: pkijs.BasicOCSPResponse;
  let sigAlg: SignatureAlgorithm;
  try {
    basic = parseBasic(o.response);
    sigAlg = parseSignatureAlgorithm(basic.signatureAlgorithm.toSchema());
  } catch (e) {
    // The AlgorithmIdentifier parser is the certificate one (cert_malformed); here it is the response that is bad.
    if (e instanceof TlsError && e.code === 'protocol_bad_certificate_status') throw e;
    throw bad(`malformed (${e instanceof Error ? e.message : String(e)})`);
  }
  const tbs = basic.tbsResponseData;

  // ---- Who signed it: the issuer, or a delegated responder the issuer certified.
  const signers: Certificate[] = [issuer];
  for (const c of basic.certs ?? []) {
    let cert: Certificate;
    try {
      cert = parseCertificate(view(c.toSchema().toBER(false)));
    } catch {
      continue;
    }
    if (delegatedResponder(cert, issuer, now)) signers.push(cert);
  }
  const signer = signers.find((c) => responderIs(tbs.responderID, c));
  if (!signer) throw bad("not signed by the certificate's issuer or a responder it authorised");
  if (!signatureValid(tbs.tbsView, sigAlg, basic.signature.valueBlock.valueHexView, signer)) {
    throw bad('the signature does not verify');
  }

  // ---- The entry for our certificate: issuer name and key hashes, and serial number.
  const issuerKey = publicKeyBits(issuer);
  const single = tbs.responses.find((r) => {
    const h = CERT_ID_HASHES[r.certID.hashAlgorithm.algorithmId];
    return (
      !!h &&
      bytesEqual(r.certID.issuerNameHash.valueBlock.valueHexView, hash(h, leaf.issuer.der)) &&
      bytesEqual(r.certID.issuerKeyHash.valueBlock.valueHexView, hash(h, issuerKey)) &&
      bytesEqual(stripSign(r.certID.serialNumber.valueBlock.valueHexView), stripSign(leaf.serialBytes))
    );
  });
  if (!single) throw bad('it does not cover this certificate');
  if (!bytesEqual(leaf.issuer.der, issuer.subject.der)) throw bad('the issuer given does not issue this certificate');

  // ---- Freshness (RFC 6960 §4.2.2.1): thisUpdate not in the future, nextUpdate (when given) not past.
  if (single.thisUpdate.getTime() > now.getTime() + skew) throw bad('thisUpdate is in the future');
  if (single.nextUpdate && single.nextUpdate.getTime() < now.getTime() - skew) throw bad('it is stale (nextUpdate has passed)');

  const st = single.certStatus as asn1js.AsnType & { idBlock: { tagClass: number; tagNumber: number }; valueBlock: { value?: asn1js.AsnType[] } };
  const result = { producedAt: tbs.producedAt, thisUpdate: single.thisUpdate, ...(single.nextUpdate ? { nextUpdate: single.nextUpdate } : {}) };
  if (st.idBlock.tagClass !== 3) throw bad('malformed certStatus');
  switch (st.idBlock.tagNumber) {
    case 0:
      return { status: 'good', ...result };
    case 1: {
      const t = st.valueBlock.value?.[0];
      const revocationTime = t instanceof asn1js.GeneralizedTime ? t.toDate() : undefined;
      return { status: 'revoked', ...result, ...(revocationTime ? { revocationTime } : {}) };
    }
    case 2:
      return { status: 'unknown', ...result };
    default:
      throw bad('malformed certStatus');
  }
}

/** INTEGER content without leading zero bytes, for comparing serial numbers however they were encoded. */
function stripSign(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

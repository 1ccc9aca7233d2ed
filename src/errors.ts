/**
 * One error type for every failure the library reports, and one table from failure to alert.
 *
 * A code names what went wrong, grouped by prefix:
 *   decode_*     bytes that do not parse (lengths, trailing data, bad enums)
 *   protocol_*   well-formed messages that break the protocol (order, versions, parameters)
 *   crypto_*     MAC, signature, Finished, key exchange checks
 *   cert_*       certificate and name verification
 *   peer_alert_* the peer sent a fatal alert (the alert's name follows)
 *   config_*     bad options given by the caller
 *   io_*         the transport (truncation, closed, timeouts)
 *   limit_*      a resource limit was hit
 */

export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  decryption_failed: 21,
  record_overflow: 22,
  decompression_failure: 30,
  handshake_failure: 40,
  no_certificate: 41,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  export_restriction: 60,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_unobtainable: 111,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  bad_certificate_hash_value: 114,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;
export type AlertName = keyof typeof AlertDescription;

const ALERT_NAMES = new Map<number, AlertName>(
  Object.entries(AlertDescription).map(([k, v]) => [v, k as AlertName]),
);

/** The name of an alert description number ("unknown_42" for ones RFCs do not define). */
export function alertName(desc: number): AlertName | `unknown_${number}` {
  return ALERT_NAMES.get(desc) ?? `unknown_${desc}`;
}

/**
 * Every code the library raises itself, with the alert it sends (null: nothing is sent,
 * e.g. the peer already closed or the failure is local before any connection).
 * This is the one place that decides which alert goes with which failure.
 */
export const ERROR_ALERTS = {
  // decode_*: the peer sent bytes that do not parse
  decode_error: 'decode_error',
  decode_trailing_data: 'decode_error',
  decode_truncated: 'decode_error',
  decode_bad_length: 'decode_error',
  decode_bad_value: 'illegal_parameter',
  decode_record_overflow: 'record_overflow',
  decode_bad_content_type: 'unexpected_message',
  decode_not_tls: 'protocol_version',
  decode_message_too_large: 'decode_error',

  // protocol_*
  protocol_unexpected_message: 'unexpected_message',
  protocol_version: 'protocol_version',
  protocol_handshake_failure: 'handshake_failure',
  protocol_no_shared_cipher: 'handshake_failure',
  protocol_no_shared_group: 'handshake_failure',
  protocol_no_shared_sigalg: 'handshake_failure',
  protocol_illegal_parameter: 'illegal_parameter',
  protocol_unsupported_extension: 'unsupported_extension',
  protocol_missing_extension: 'missing_extension',
  protocol_insufficient_security: 'insufficient_security',
  protocol_inappropriate_fallback: 'inappropriate_fallback',
  protocol_downgrade: 'illegal_parameter',
  protocol_renegotiation: 'no_renegotiation',
  protocol_insecure_renegotiation: 'handshake_failure',
  protocol_no_ems: 'handshake_failure',
  protocol_no_application_protocol: 'no_application_protocol',
  protocol_unrecognized_name: 'unrecognized_name',
  protocol_empty_records: 'unexpected_message',
  protocol_certificate_required: 'handshake_failure',
  protocol_bad_certificate_status: 'bad_certificate_status_response',

  // crypto_*
  crypto_bad_record_mac: 'bad_record_mac',
  crypto_bad_finished: 'decrypt_error',
  crypto_bad_signature: 'decrypt_error',
  crypto_bad_key_share: 'illegal_parameter',
  crypto_weak_dh_group: 'insufficient_security',
  crypto_decrypt_error: 'decrypt_error',
  crypto_internal: 'internal_error',

  // cert_*
  cert_untrusted: 'unknown_ca',
  cert_expired: 'certificate_expired',
  cert_not_yet_valid: 'certificate_expired',
  cert_hostname_mismatch: 'bad_certificate',
  cert_bad_signature: 'bad_certificate',
  cert_weak_signature: 'bad_certificate',
  cert_weak_key: 'bad_certificate',
  cert_bad_eku: 'unsupported_certificate',
  cert_bad_key_usage: 'unsupported_certificate',
  cert_name_constraints: 'bad_certificate',
  cert_path_length: 'bad_certificate',
  cert_not_ca: 'bad_certificate',
  /** A CA certificate in the end-entity position (webpki profile, CA/B BR 7.1.2.7.8). */
  cert_ca_as_leaf: 'unsupported_certificate',
  cert_unknown_critical_extension: 'unsupported_certificate',
  cert_malformed: 'bad_certificate',
  cert_revoked: 'certificate_revoked',
  cert_rejected: 'bad_certificate', // the application's checkServerIdentity refused the certificate (pinning)
  cert_chain_too_long: 'bad_certificate',
  /** Path building or name-constraint checking ran out of its work budget (a hostile or pathological chain). */
  cert_too_complex: 'bad_certificate',
  cert_no_certificate: 'certificate_required_compat',
  cert_unsupported_key: 'unsupported_certificate',
  cert_key_mismatch: 'illegal_parameter',
  cert_verification_unavailable: 'certificate_unknown',
  /** A CompressedCertificate (RFC 8879) that cannot be decompressed: corrupt, too long, not what was announced. */
  cert_decompression_failed: 'bad_certificate',

  // config_*: caller errors; raised before anything is sent
  config_invalid: null,
  config_no_ca: null,
  config_bad_key: null,
  config_bad_certificate: null,
  config_key_mismatch: null,

  // io_*
  io_truncated: null,
  io_closed: null,
  io_timeout: 'user_canceled',
  io_transport: null,

  // limit_*
  limit_buffer: 'internal_error',
  limit_sequence: 'internal_error', // a record sequence number would wrap (2^64 records)
  limit_chain: 'bad_certificate',

  http_protocol: null, // src/http: a malformed HTTP/1.1 response, or a redirect that cannot be followed

  internal_error: 'internal_error',
} as const satisfies Record<string, AlertName | 'certificate_required_compat' | null>;

export type LocalErrorCode = keyof typeof ERROR_ALERTS;
/**
 * Every `code` a TlsError can carry: the codes raised locally (the table above) plus `peer_alert_<name>` for a fatal
 * alert the peer sent (`peer_alert_unknown_<n>` for numbers no RFC names). A closed union, so a misspelt code in a
 * `switch (e.code)` or a comparison does not compile.
 */
export type TlsErrorCode = LocalErrorCode | `peer_alert_${AlertName}` | `peer_alert_unknown_${number}`;
/** The same union under its internal name. */
export type ErrorCode = TlsErrorCode;

/** The alert description to send for a local failure, or null when none is sent. */
export function alertFor(code: string): number | null {
  const name = (ERROR_ALERTS as Record<string, string | null>)[code];
  if (name === undefined) return AlertDescription.internal_error;
  if (name === null) return null;
  // TLS 1.2 has no certificate_required alert (TLS 1.3 does); servers send handshake_failure.
  if (name === 'certificate_required_compat') return AlertDescription.handshake_failure;
  return AlertDescription[name as AlertName];
}

export class TlsError extends Error {
  /** What went wrong, stable across releases: one of `TlsErrorCode` (see the table above). */
  readonly code: TlsErrorCode;
  /** The alert sent for this failure (local errors) or received (peer_alert_*), if any. */
  readonly alert: number | null;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; alert?: number | null }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'TlsError';
    this.code = code;
    this.alert = options?.alert !== undefined ? options.alert : alertFor(code);
  }
}

/** A certificate or hostname failure (Python's ssl.CertificateError / SSLCertVerificationError). */
export class CertificateError extends TlsError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; alert?: number | null }) {
    super(code, message, options);
    this.name = 'CertificateError';
  }
}

/** The error for a fatal alert received from the peer. */
export function peerAlertError(desc: number): TlsError {
  const name = alertName(desc);
  return new TlsError(`peer_alert_${name}`, `the peer sent a fatal ${name} alert (${desc})`, { alert: desc });
}

/** Turn anything thrown into a TlsError (non-TlsErrors become internal_error with the original as cause). */
export function asTlsError(e: unknown): TlsError {
  if (e instanceof TlsError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TlsError('internal_error', `internal error: ${msg}`, { cause: e });
}

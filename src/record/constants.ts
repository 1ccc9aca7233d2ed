/** Record-layer constants (RFC 5246 §6.2). */

export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;
export type ContentTypeName = keyof typeof ContentType;

/** Heartbeat (RFC 6520) is refused on purpose: no extension negotiates it, and it was Heartbleed's door. */
export const CONTENT_TYPE_HEARTBEAT = 24;

export function isKnownContentType(t: number): boolean {
  return t >= ContentType.change_cipher_spec && t <= ContentType.application_data;
}

/** type(1) || version(2) || length(2) */
export const RECORD_HEADER_LEN = 5;
/** TLSPlaintext.length limit. */
export const MAX_PLAINTEXT = 1 << 14;
/** TLSCompressed.length limit (no compression here, but the bound still defines the ciphertext one). */
export const MAX_COMPRESSED = (1 << 14) + 1024;
/** TLSCiphertext.length limit. */
export const MAX_CIPHERTEXT = (1 << 14) + 2048;

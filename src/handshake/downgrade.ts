/**
 * RFC 8446 §4.1.3 downgrade protection: a server able to negotiate a higher version than it chose marks the last
 * 8 bytes of ServerHello.random; a client that offered the higher version refuses a hello so marked.
 */

/** The last 8 bytes of ServerHello.random from a TLS 1.2+ server negotiating 1.1 or below. */
export const DOWNGRADE_TLS11 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);
/** The last 8 bytes of ServerHello.random from a TLS 1.3 server negotiating 1.2. */
export const DOWNGRADE_TLS12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
/** Where the sentinel starts in the 32-byte random. */
export const DOWNGRADE_SENTINEL_OFFSET = 32 - DOWNGRADE_TLS11.length;

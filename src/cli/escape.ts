/**
 * Text from the peer (certificate names, ALPN, SNI, error messages quoting them, response heads) made safe to print
 * on a terminal, as OpenSSL does: control characters (C0, DEL, C1) become \XX in hex, so a server cannot move the
 * cursor, rewrite earlier lines or forge a "Verification: OK". A backslash is doubled so the escapes stay
 * unambiguous, and the Unicode characters that reorder or break lines (bidi controls, line/paragraph separators)
 * become \u{XXXX}.
 */
const UNSAFE = /[\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    if (c === '\\') return '\\\\';
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\${n.toString(16).toUpperCase().padStart(2, '0')}` : `\\u{${n.toString(16).toUpperCase()}}`;
  });
}

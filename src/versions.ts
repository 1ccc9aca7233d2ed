/**
 * Protocol versions (the wire values and the names options use). A leaf module: the record layer, the crypto
 * table and the handshake all import it; it imports nothing.
 */

export const TLS10 = 0x0301;
export const TLS11 = 0x0302;
export const TLS12 = 0x0303;
export const TLS13 = 0x0304;
export type ProtocolVersion = typeof TLS10 | typeof TLS11 | typeof TLS12 | typeof TLS13;

export const VERSION_NAMES = { [TLS10]: 'TLSv1', [TLS11]: 'TLSv1.1', [TLS12]: 'TLSv1.2', [TLS13]: 'TLSv1.3' } as const;
export type TlsVersion = (typeof VERSION_NAMES)[ProtocolVersion];
export function versionFromName(name: string): ProtocolVersion | undefined {
  for (const [k, v] of Object.entries(VERSION_NAMES)) if (v === name) return Number(k) as ProtocolVersion;
  return undefined;
}
export function versionName(v: number): string {
  return (VERSION_NAMES as Record<number, string>)[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
}

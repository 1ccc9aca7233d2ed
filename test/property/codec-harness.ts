/**
 * What the codec property tests (codecs.test.ts for TLS 1.0–1.2, codecs13.test.ts for 1.3) share: byte and integer
 * arbitraries, the mutations a hostile network applies to an encoding, and the rule every decoder keeps (return a
 * value or throw a decode_* TlsError, nothing else).
 */
import fc from 'fast-check';
import { TlsError } from '../../src/errors.js';

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

/** Extensions with distinct types (a repeat is refused by design), at most `maxLength`. */
export const extensionList = (maxLength: number) => fc.uniqueArray(fc.record({ type: u16, data: bytes(0, 40) }), { selector: (e) => e.type, maxLength });

/** What a hostile network does to an encoding. */
export type Mutation = { op: 'flip' | 'store' | 'cut' | 'insert' | 'delete'; at: number; v: number };
export const mutation = fc.record({ op: fc.constantFrom('flip', 'store', 'cut', 'insert', 'delete') as fc.Arbitrary<Mutation['op']>, at: fc.nat(), v: u8 });

export function mutate(b: Uint8Array, ms: Mutation[]): Uint8Array {
  let out = Array.from(b);
  for (const m of ms) {
    const at = out.length ? m.at % out.length : 0;
    if (m.op === 'flip' && out.length) out[at]! ^= 1 << (m.v & 7);
    else if (m.op === 'store' && out.length) out[at] = m.v;
    else if (m.op === 'cut') out = out.slice(0, at);
    else if (m.op === 'insert') out.splice(at, 0, m.v);
    else if (m.op === 'delete') out.splice(at, 1);
  }
  return Uint8Array.from(out);
}

/** decode either returns or throws a decode_* TlsError. */
export function decodesOrRejects(decode: (b: Uint8Array) => unknown, b: Uint8Array): void {
  try {
    decode(b);
  } catch (e) {
    if (!(e instanceof TlsError)) throw new Error(`non-TlsError ${String(e)} for ${Buffer.from(b).toString('hex')}`);
    if (!e.code.startsWith('decode_')) throw new Error(`code ${e.code} for ${Buffer.from(b).toString('hex')}`);
  }
}

export interface Codec<T> {
  name: string;
  arb: fc.Arbitrary<T>;
  encode(x: T): Uint8Array;
  decode(b: Uint8Array): unknown;
  /** What decode must give back for x (default: x). */
  expected?(x: T): unknown;
}

export const codec = <T,>(c: Codec<T>): Codec<unknown> => c as Codec<unknown>;

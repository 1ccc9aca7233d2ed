/**
 * The transcript's running hash (Transcript.hash) against hashing the whole transcript, as the handshakes did
 * before: equal after every message, for each hash provider, across a HelloRetryRequest's message_hash, a switch
 * of hash, and a fork that must not disturb what follows.
 */
import { describe, it, expect } from 'vitest';
import { Transcript } from '../../src/handshake/transcript.js';
import { nobleHashes } from '../../src/crypto/hash.js';
import { nodeHashes } from '../../src/crypto/provider-node.js';
import type { HashProvider } from '../../src/crypto/types.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const msg = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('Transcript.hash', () => {
  for (const [name, hs] of [['noble', nobleHashes], ['node', nodeHashes]] as [string, HashProvider][]) {
    it(`${name}: equals the hash of all bytes so far, after every message and between messages`, () => {
      const t = new Transcript();
      const all: number[] = [];
      for (const [i, len] of [70, 0, 1800, 4, 260, 36, 36].entries()) {
        const m = msg(len, i + 1);
        t.add(m);
        all.push(...m);
        for (const h of ['sha256', 'sha384'] as const) {
          expect(hex(t.hash(h, hs))).toBe(hex(hs.hash(h, Uint8Array.from(all))));
        }
        // asked twice without a new message: the same digest (the fork leaves the running hash as it was)
        expect(hex(t.hash('sha384', hs))).toBe(hex(hs.hash('sha384', Uint8Array.from(all))));
      }
      expect(hex(t.bytes())).toBe(hex(Uint8Array.from(all)));
    });
    it(`${name}: starts over after a HelloRetryRequest's message_hash and after clear()`, () => {
      const t = new Transcript();
      t.add(msg(100, 1));
      const ch1 = t.hash('sha256', hs);
      t.replaceWithMessageHash(ch1);
      const hrr = msg(60, 2);
      t.add(hrr);
      const expected = hs.hash('sha256', Uint8Array.from([254, 0, 0, 32, ...ch1, ...hrr]));
      expect(hex(t.hash('sha256', hs))).toBe(hex(expected));
      t.clear();
      expect(hex(t.hash('sha256', hs))).toBe(hex(hs.hash('sha256', new Uint8Array(0))));
    });
  }
  it('a hash from one provider, then another: each gives the same digest', () => {
    const t = new Transcript();
    t.add(msg(500, 9));
    const a = t.hash('sha256', nobleHashes);
    t.add(msg(10, 3));
    const b = t.hash('sha256', nodeHashes);
    expect(hex(b)).toBe(hex(nobleHashes.hash('sha256', Uint8Array.from([...msg(500, 9), ...msg(10, 3)]))));
    expect(hex(a)).toBe(hex(nobleHashes.hash('sha256', msg(500, 9))));
  });
});

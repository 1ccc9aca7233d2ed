/** The ticket key ring refuses what would make tickets ambiguous, however the keys arrive. */
import { describe, expect, it } from 'vitest';
import { TicketKeyRing } from '../../src/handshake/tickets.js';
import { defaultRandom } from '../../src/crypto/random.js';

const key = (n: number) => ({ name: new Uint8Array(16).fill(n), key: new Uint8Array(32).fill(n) });

describe('TicketKeyRing', () => {
  it('refuses an empty ring and duplicate names, in the constructor and in set()', () => {
    expect(() => new TicketKeyRing([], defaultRandom)).toThrow(/empty/);
    expect(() => new TicketKeyRing([key(1), key(1)], defaultRandom)).toThrow(/share a name/);
    const ring = new TicketKeyRing([key(1)], defaultRandom);
    expect(() => ring.set([key(2), key(2)])).toThrow(/share a name/);
    expect(() => ring.set([])).toThrow(/empty/);
    expect(ring.current.name[0]).toBe(1);
  });
  it('set() replaces the ring, newest first; rotate() keeps older keys findable', () => {
    const ring = new TicketKeyRing(undefined, defaultRandom);
    ring.set([key(3), key(4)]);
    expect(ring.current.name[0]).toBe(3);
    ring.rotate(key(5));
    expect(ring.current.name[0]).toBe(5);
    expect(ring.find(key(4).name)).toBeDefined();
  });
});

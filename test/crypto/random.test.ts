/** defaultRandom's pool: sizes, no byte handed out twice, large requests outside the pool. */
import { describe, it, expect } from 'vitest';
import { defaultRandom } from '../../src/crypto/random.js';

describe('defaultRandom', () => {
  it('gives the size asked for, from 0 to well past the pool', () => {
    for (const n of [0, 1, 4, 12, 32, 63, 64, 65, 4096, 70000]) expect(defaultRandom(n).length).toBe(n);
  });
  it('never hands out the same bytes twice across pool refills', () => {
    const seen = new Set<string>();
    // 32-byte pieces: 128 per 4 KiB pool, so this crosses several refills; a repeat would be a reused pool.
    for (let i = 0; i < 1000; i++) {
      const k = Buffer.from(defaultRandom(32)).toString('hex');
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    }
  });
  it('pieces are independent buffers (a caller wiping its key does not touch the next one)', () => {
    const a = defaultRandom(16);
    const b = defaultRandom(16);
    expect(a.buffer).not.toBe(b.buffer);
    a.fill(0);
    expect(b.some((x) => x !== 0)).toBe(true);
  });
  it('looks uniform: 256 KiB in small pieces, every byte value near 1/256', () => {
    const counts = new Array(256).fill(0);
    for (let i = 0; i < 8192; i++) for (const x of defaultRandom(32)) counts[x]++;
    const mean = (8192 * 32) / 256;
    for (const c of counts) expect(Math.abs(c - mean)).toBeLessThan(mean * 0.2);
  });
});

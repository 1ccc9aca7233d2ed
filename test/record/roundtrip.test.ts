/** Every suite in the table, every version it is defined for, every size class: seal → frame → deframe → open. */
import { describe, expect, it } from 'vitest';
import { CIPHER_SUITES, TLS10 } from '../../src/crypto/suites.js';
import { Deframer } from '../../src/record/deframer.js';
import { sealRecords } from '../../src/record/writer.js';
import { pair } from './pair.js';
import { bytes } from './ref.js';

const SIZES = [0, 1, 15, 16, 17, 1 << 14];

describe('round trips across the suite table', () => {
  it('covers all 27 suites', () => expect(CIPHER_SUITES.length).toBe(27));
  for (const s of CIPHER_SUITES) {
    for (let version = s.minVersion; version <= s.maxVersion; version++) {
      for (const etm of s.type === 'cbc' ? [false, true] : [false]) {
        it(`${s.name} 0x${version.toString(16)}${etm ? ' EtM' : ''}`, async () => {
          const [w, r] = await pair(s, version, etm);
          for (const size of SIZES) {
            const data = bytes(size, size);
            const sealed = await w.seal(23, version, data);
            expect(Buffer.from(await r.open(23, version, sealed)).equals(Buffer.from(data))).toBe(true);
          }
          // Through the writer and the deframer, several records in one stream.
          const big = bytes(40000, 9);
          const wire = await sealRecords(w, 23, version, big, { splitFirstByte: version === TLS10 && s.type === 'cbc' });
          const d = new Deframer();
          d.push(wire);
          const out: Uint8Array[] = [];
          for (let rec = d.next(); rec; rec = d.next()) out.push(await r.open(rec.type, rec.version, rec.fragment));
          expect(Buffer.concat(out).equals(Buffer.from(big))).toBe(true);
          expect(w.seq).toBe(r.seq);
        });
      }
    }
  }
});

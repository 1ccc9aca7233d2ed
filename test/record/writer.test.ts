import { describe, expect, it } from 'vitest';
import { nullProtection } from '../../src/record/protection.js';
import { encodeRecord, fragment, sealRecords } from '../../src/record/writer.js';
import { Deframer } from '../../src/record/deframer.js';
import { bytes } from './ref.js';

function parse(wire: Uint8Array) {
  const d = new Deframer();
  d.push(wire);
  const out = [];
  for (let r = d.next(); r; r = d.next()) out.push(r);
  expect(d.buffered).toBe(0);
  return out;
}

describe('record writer', () => {
  it('fragments at 2^14 by default and at a smaller maximum on request', () => {
    const data = bytes(40000, 1);
    expect(fragment(23, data).map((f) => f.length)).toEqual([16384, 16384, 7232]);
    expect(fragment(23, data, 512).length).toBe(79);
    expect(fragment(22, new Uint8Array(0))).toEqual([]);
    expect(() => fragment(23, data, 0)).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => fragment(23, data, 16385)).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => fragment(24, data)).toThrow(expect.objectContaining({ code: 'internal_error' }));
  });

  it('encodes a header and body', () => {
    expect(Array.from(encodeRecord(22, 0x0301, new Uint8Array([9, 8])))).toEqual([22, 3, 1, 0, 2, 9, 8]);
    expect(() => encodeRecord(23, 0x0303, new Uint8Array(18433))).toThrow();
  });

  it('seals data as consecutive records', async () => {
    const data = bytes(50000, 2);
    const recs = parse(await sealRecords(nullProtection(), 23, 0x0303, data));
    expect(recs.map((r) => r.fragment.length)).toEqual([16384, 16384, 16384, 848]);
    const small = parse(await sealRecords(nullProtection(), 23, 0x0303, data, { maxFragment: 1000 }));
    expect(small.length).toBe(50);
    expect(Buffer.concat(small.map((r) => r.fragment)).equals(Buffer.from(data))).toBe(true);
    await expect(sealRecords(nullProtection(), 23, 0x0303, data, { maxFragment: 20000 })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('splits the first byte off when asked (TLS 1.0 CBC 1/n-1)', async () => {
    const data = bytes(20000, 3);
    const recs = parse(await sealRecords(nullProtection(), 23, 0x0301, data, { splitFirstByte: true }));
    expect(recs.map((r) => r.fragment.length)).toEqual([1, 16384, 3615]);
    expect(recs.every((r) => r.type === 23 && r.version === 0x0301)).toBe(true);
    expect(Buffer.concat(recs.map((r) => r.fragment)).equals(Buffer.from(data))).toBe(true);
    // One byte needs no split; nothing gives no records.
    expect(parse(await sealRecords(nullProtection(), 23, 0x0301, bytes(1, 1), { splitFirstByte: true })).length).toBe(1);
    expect((await sealRecords(nullProtection(), 23, 0x0301, new Uint8Array(0), { splitFirstByte: true })).length).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, pemBlocks } from '../../src/pem.js';
import { codeOf } from '../helpers/codes.js';


describe('base64Decode', () => {
  it('decodes padded and unpadded groups', () => {
    expect(Array.from(base64Decode('AAEC'))).toEqual([0, 1, 2]);
    expect(Array.from(base64Decode('AAE='))).toEqual([0, 1]);
    expect(Array.from(base64Decode('AA=='))).toEqual([0]);
    expect(Array.from(base64Decode('AAE'))).toEqual([0, 1]);
    expect(Array.from(base64Decode(' AA\r\nEC '))).toEqual([0, 1, 2]);
  });

  it('refuses malformed text with config_invalid, never a DOMException', () => {
    for (const bad of ['A', 'A=', 'AB=', 'ABCDA=', 'AB===', 'A*BC', '=ABC']) {
      expect(codeOf(() => base64Decode(bad)), bad).toBe('config_invalid');
    }
  });

  it('round-trips through base64Encode', () => {
    const b = Uint8Array.from({ length: 70000 }, (_, i) => (i * 7) & 0xff);
    expect(base64Decode(base64Encode(b))).toEqual(b);
  });

  it('reports a PEM block with bad padding as config_invalid', () => {
    expect(codeOf(() => pemBlocks('-----BEGIN CERTIFICATE-----\nAB=\n-----END CERTIFICATE-----\n'))).toBe('config_invalid');
  });
});

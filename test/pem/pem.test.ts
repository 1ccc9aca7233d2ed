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

  it('base64Encode gives standard padded base64 for every length remainder (Node Buffer as the reference)', () => {
    for (let n = 0; n < 200; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 89 + n * 13 + 255) & 0xff);
      expect(base64Encode(b), `length ${n}`).toBe(Buffer.from(b).toString('base64'));
    }
    expect(base64Encode(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('+/+/');
  });

  it('round-trips through base64Encode', () => {
    const b = Uint8Array.from({ length: 70000 }, (_, i) => (i * 7) & 0xff);
    expect(base64Decode(base64Encode(b))).toEqual(b);
  });

  it('reports a PEM block with bad padding as config_invalid', () => {
    expect(codeOf(() => pemBlocks('-----BEGIN CERTIFICATE-----\nAB=\n-----END CERTIFICATE-----\n'))).toBe('config_invalid');
  });
});

/**
 * The handshake transcript: every handshake message sent or received (header + body), in order. The handshake
 * owns what goes in; the engine adds each message as it passes. TLS 1.2 hashes or signs the bytes so far; TLS 1.3
 * hashes them too and, after a HelloRetryRequest, replaces ClientHello1 with its hash (RFC 8446 §4.4.1).
 */
import { concat } from '../bytes.js';
import type { HashName, HashProvider, IncrementalHash } from '../crypto/types.js';

/** RFC 8446 §4.4.1: the handshake type of the synthetic message that stands for ClientHello1 after an HRR. */
export const MESSAGE_HASH = 254;

export class Transcript {
  private parts: Uint8Array[] = [];
  private len = 0;
  /** The running hash hash() keeps once asked: each message is hashed once, as it is added. */
  private running?: { name: HashName; hashes: HashProvider; h: IncrementalHash };
  add(raw: Uint8Array): void {
    this.parts.push(raw);
    this.len += raw.length;
    this.running?.h.update(raw);
  }
  /**
   * Transcript-Hash of the messages so far (RFC 8446 §4.4.1) under `name`. A TLS 1.3 handshake takes it five or six
   * times per side; hashing the whole transcript (several KB with a certificate chain) each time cost more than the
   * rest of the key schedule, so the hash runs along and each call digests a fork of it.
   */
  hash(name: HashName, hashes: HashProvider): Uint8Array {
    let r = this.running;
    if (!r || r.name !== name || r.hashes !== hashes) {
      r = this.running = { name, hashes, h: hashes.hashCreate(name) };
      if (this.len > 0) r.h.update(this.bytes());
    }
    return r.h.clone().digest();
  }
  /** All bytes so far (a snapshot). */
  bytes(): Uint8Array {
    // Kept joined, so taking several snapshots along a handshake costs one copy each.
    const out = this.parts.length === 1 ? this.parts[0]! : concat(...this.parts);
    this.parts = [out];
    return out;
  }
  get length(): number {
    return this.len;
  }
  /**
   * RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 (everything so far) is replaced by
   * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1). `digest` is that hash, computed by the caller
   * with the suite's hash; the HRR itself is added after this.
   */
  replaceWithMessageHash(digest: Uint8Array): void {
    const synthetic = concat(Uint8Array.of(MESSAGE_HASH, 0, 0, digest.length), digest);
    this.parts = [synthetic];
    this.len = synthetic.length;
    this.running = undefined;
  }
  /** Forgets the messages (several KB with a certificate chain): nothing needs them after the handshake. */
  clear(): void {
    this.parts = [];
    this.len = 0;
    this.running = undefined;
  }
}

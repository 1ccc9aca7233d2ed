/**
 * Flight mutations: bit flips, byte stores, truncation, drops, duplicates, reordering and splicing at the byte,
 * record and handshake-message level, plus re-fragmentation (legal, must still work), empty and foreign records.
 * Every choice comes from the Rng, so a run is reproduced by its seed.
 */
import type { Rng } from './rng.js';
import { encodeMessages, encodeRecords, parseMessages, parseRecords, type Msg, type Rec } from './records.js';
import type { Dir, Mutator } from './harness.js';

/** Records and handshake messages seen in clean runs, spliced into other flights. */
export class Corpus {
  readonly records: Rec[] = [];
  readonly messages: Msg[] = [];
  add(flight: Uint8Array): void {
    for (const r of parseRecords(flight).records) {
      if (this.records.length < 400) this.records.push(r);
      if (r.type === 22) for (const m of parseMessages(r.body) ?? []) if (this.messages.length < 200) this.messages.push(m);
    }
  }
}

type RecordOp = (rng: Rng, recs: Rec[], corpus: Corpus) => string;

const HANDSHAKE_TYPES = [0, 1, 2, 4, 11, 12, 13, 14, 15, 16, 20, 22, 3, 24, 99, 255];

const recordOps: Record<string, RecordOp> = {
  dropRecord: (rng, recs) => (recs.length ? `drop #${recs.splice(rng.int(recs.length), 1).length}` : 'noop'),
  duplicateRecord: (rng, recs) => {
    if (!recs.length) return 'noop';
    const i = rng.int(recs.length);
    recs.splice(i, 0, { ...recs[i]!, body: recs[i]!.body.slice() });
    return `dup #${i}`;
  },
  swapRecords: (rng, recs) => {
    if (recs.length < 2) return 'noop';
    const i = rng.int(recs.length - 1);
    [recs[i], recs[i + 1]] = [recs[i + 1]!, recs[i]!];
    return `swap #${i}`;
  },
  flipRecordBit: (rng, recs) => {
    const r = pickNonEmpty(rng, recs);
    if (!r) return 'noop';
    const at = rng.int(r.body.length);
    r.body[at]! ^= 1 << rng.int(8);
    return `flip body ${at}`;
  },
  storeRecordByte: (rng, recs) => {
    const r = pickNonEmpty(rng, recs);
    if (!r) return 'noop';
    r.body[rng.int(r.body.length)] = rng.pick([0, 1, 0x7f, 0x80, 0xff, rng.int(256)]);
    return 'store';
  },
  truncateRecord: (rng, recs) => {
    const r = pickNonEmpty(rng, recs);
    if (!r) return 'noop';
    r.body = r.body.slice(0, rng.int(r.body.length));
    return 'truncate body';
  },
  extendRecord: (rng, recs) => {
    const r = pickNonEmpty(rng, recs);
    if (!r) return 'noop';
    r.body = cat(r.body, rng.bytes(1 + rng.int(32)));
    return 'extend body';
  },
  changeType: (rng, recs) => {
    if (!recs.length) return 'noop';
    recs[rng.int(recs.length)]!.type = rng.pick([20, 21, 22, 23, 24, 0, 255]);
    return 'type';
  },
  changeVersion: (rng, recs) => {
    if (!recs.length) return 'noop';
    recs[rng.int(recs.length)]!.version = rng.pick([0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0200, 0xfeff]);
    return 'version';
  },
  spliceRecord: (rng, recs, corpus) => {
    if (!corpus.records.length) return 'noop';
    const r = rng.pick(corpus.records);
    recs.splice(rng.int(recs.length + 1), 0, { ...r, body: r.body.slice() });
    return 'splice record';
  },
  emptyRecords: (rng, recs) => {
    const n = 1 + rng.int(12);
    const type = rng.pick([22, 23, 20, 21]);
    const at = rng.int(recs.length + 1);
    for (let i = 0; i < n; i++) recs.splice(at, 0, { type, version: recs[0]?.version ?? 0x0303, body: new Uint8Array(0) });
    return `empty x${n}`;
  },
  injectAlert: (rng, recs) => {
    recs.splice(rng.int(recs.length + 1), 0, {
      type: 21,
      version: recs[0]?.version ?? 0x0303,
      body: Uint8Array.of(rng.pick([1, 2, 3, 0]), rng.pick([0, 10, 20, 40, 42, 48, 80, 90, 100, 112, rng.int(256)])),
    });
    return 'alert';
  },
  injectCcs: (rng, recs) => {
    recs.splice(rng.int(recs.length + 1), 0, { type: 20, version: recs[0]?.version ?? 0x0303, body: Uint8Array.of(rng.chance(0.8) ? 1 : rng.int(256)) });
    return 'ccs';
  },
  randomRecord: (rng, recs) => {
    recs.splice(rng.int(recs.length + 1), 0, { type: rng.pick([20, 21, 22, 23]), version: 0x0303, body: rng.bytes(rng.int(64)) });
    return 'random record';
  },
  refragment: (rng, recs) => {
    // Legal: one handshake record becomes two at any boundary. The peer must cope.
    const i = recs.findIndex((r) => r.type === 22 && r.body.length > 1);
    if (i < 0) return 'noop';
    const r = recs[i]!;
    const cut = 1 + rng.int(r.body.length - 1);
    recs.splice(i, 1, { ...r, body: r.body.slice(0, cut) }, { ...r, body: r.body.slice(cut) });
    return `refragment @${cut}`;
  },
  message: (rng, recs, corpus) => {
    const idx = recs.map((r, i) => (r.type === 22 && parseMessages(r.body) ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) return 'noop';
    const r = recs[rng.pick(idx)]!;
    const msgs = parseMessages(r.body)!;
    const what = mutateMessages(rng, msgs, corpus);
    r.body = encodeMessages(msgs);
    return what;
  },
  oversize: (rng, recs) => {
    recs.splice(rng.int(recs.length + 1), 0, { type: rng.pick([22, 23]), version: 0x0303, body: rng.bytes((1 << 14) + 2048 + 1 + rng.int(64)) });
    return 'oversize record';
  },
};

function mutateMessages(rng: Rng, msgs: Msg[], corpus: Corpus): string {
  const i = rng.int(msgs.length);
  const m = msgs[i]!;
  switch (rng.int(9)) {
    case 0:
      m.type = rng.pick(HANDSHAKE_TYPES);
      return 'msg type';
    case 1:
      msgs.splice(i, 0, { ...m });
      return 'msg dup';
    case 2:
      msgs.splice(i, 1);
      return 'msg drop';
    case 3:
      if (msgs.length > 1) msgs.push(msgs.splice(i, 1)[0]!);
      return 'msg reorder';
    case 4:
      m.body = m.body.slice(0, rng.int(m.body.length + 1));
      return 'msg cut';
    case 5:
      m.body = cat(m.body, rng.bytes(1 + rng.int(8)));
      return 'msg grow';
    case 6:
      if (corpus.messages.length) msgs.splice(rng.int(msgs.length + 1), 0, rng.pick(corpus.messages));
      return 'msg splice';
    default: {
      // Inside the body, where the structure lives: lengths, enums, vectors.
      if (!m.body.length) return 'noop';
      const b = m.body.slice();
      const n = 1 + rng.int(3);
      for (let k = 0; k < n; k++) b[rng.int(b.length)] = rng.chance(0.5) ? b[rng.int(b.length)]! ^ (1 << rng.int(8)) : rng.pick([0, 0xff, 1, rng.int(256)]);
      m.body = b;
      return 'msg bytes';
    }
  }
}

function pickNonEmpty(rng: Rng, recs: Rec[]): Rec | undefined {
  const ne = recs.filter((r) => r.body.length);
  return ne.length ? rng.pick(ne) : undefined;
}

function cat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const RECORD_OPS = Object.keys(recordOps);

/** One flight's mutation: a few record-level operations, or a raw byte-level one on the whole flight. */
export function mutateFlight(rng: Rng, flight: Uint8Array, corpus: Corpus, log: string[]): Uint8Array[] {
  const kind = rng.int(10);
  if (kind === 0) {
    // Raw: the record headers themselves (types, versions, lengths).
    const b = flight.slice();
    const n = 1 + rng.int(4);
    for (let k = 0; k < n; k++) b[rng.int(b.length)]! ^= 1 << rng.int(8);
    log.push('raw flips');
    return [b];
  }
  if (kind === 1) {
    log.push('truncate flight');
    return [flight.slice(0, rng.int(flight.length))];
  }
  if (kind === 2) {
    log.push('drop flight');
    return [];
  }
  const { records, rest } = parseRecords(flight);
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) {
    const op = rng.pick(RECORD_OPS);
    log.push(`${op}: ${recordOps[op]!(rng, records, corpus)}`);
  }
  const bytes = encodeRecords(records, rest);
  // Sometimes deliver in pieces: receive() must cope with any split.
  if (rng.chance(0.3) && bytes.length > 1) {
    const cut = 1 + rng.int(bytes.length - 1);
    return [bytes.slice(0, cut), bytes.slice(cut)];
  }
  return [bytes];
}

/**
 * A mutator that alters each flight with probability `rate` (at least one flight per run, chosen at random
 * among the first `stages`), so mutations land at every stage of the handshake, in both directions.
 */
export function makeMutator(rng: Rng, corpus: Corpus, log: string[], opts: { rate?: number; stages?: number; only?: Dir } = {}): Mutator {
  const target = rng.int(opts.stages ?? 8);
  const rate = opts.rate ?? 0.08;
  return (dir, index, flight) => {
    if (opts.only && dir !== opts.only) return [flight];
    if (index !== target && !rng.chance(rate)) return [flight];
    log.push(`[${dir} #${index}]`);
    return mutateFlight(rng, flight, corpus, log);
  };
}

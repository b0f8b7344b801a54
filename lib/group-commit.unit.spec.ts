/**
 * The group commit alone (lib/group-commit.ts), with the two database calls
 * replaced by recorders: when it sends an item on its own, when it groups them,
 * what each caller gets back, and what a failed batch or a crash does.
 * sync/functions.int.spec.ts runs sync_persist_many itself on a real store, and
 * subgraphs/shared/auth/audit.int.spec.ts the audit log's batches.
 */
import { createGroupCommit } from './group-commit';

interface PersistEntry {
  t: string;
  p: unknown;
}
const byT = (a: PersistEntry, b: PersistEntry) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0);
const createPersistBatcher = (o: { one(e: PersistEntry): Promise<number>; many(es: PersistEntry[]): Promise<number[]>; maxBatch?: number; maxInFlight?: number }) => {
  const g = createGroupCommit<PersistEntry, number>({ ...o, compare: byT });
  return { persist: g.submit, abort: g.abort, stats: g.stats };
};

interface Gate {
  open(): void;
  promise: Promise<void>;
}
function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { open, promise };
}

function recorder(opts: { owned?: (e: PersistEntry) => number; failMany?: boolean; failOne?: (e: PersistEntry) => boolean; manyLength?: number } = {}) {
  const calls: { kind: 'one' | 'many'; ts: string[] }[] = [];
  let hold: Gate | undefined;
  const owned = opts.owned ?? (() => 1);
  return {
    calls,
    holdNext() {
      hold = gate();
      return hold;
    },
    async one(e: PersistEntry) {
      calls.push({ kind: 'one', ts: [e.t] });
      const h = hold;
      hold = undefined;
      await h?.promise;
      if (opts.failOne?.(e)) throw new Error(`bad record ${e.t}`);
      return owned(e);
    },
    async many(es: PersistEntry[]) {
      calls.push({ kind: 'many', ts: es.map((e) => e.t) });
      const h = hold;
      hold = undefined;
      await h?.promise;
      if (opts.failMany) throw new Error('batch failed');
      const out = es.map(owned);
      return opts.manyLength === undefined ? out : out.slice(0, opts.manyLength);
    },
  };
}

describe('createGroupCommit', () => {
  it('sends a record at once, on its own, when nothing is in flight', async () => {
    const r = recorder();
    const b = createPersistBatcher(r);
    await expect(b.persist({ t: 'a', p: { x: 1 } })).resolves.toBe(1);
    await expect(b.persist({ t: 'b', p: {} })).resolves.toBe(1);
    expect(r.calls).toEqual([
      { kind: 'one', ts: ['a'] },
      { kind: 'one', ts: ['b'] },
    ]);
    expect(b.stats).toEqual({ calls: 2, items: 2, fallbacks: 0 });
  });

  it('groups the records that arrive while a call is in flight into one call, in lock order, each caller getting its own result', async () => {
    const r = recorder({ owned: (e) => (e.t === 'c' ? 0 : 1) });
    const b = createPersistBatcher(r);
    const first = r.holdNext();
    const pa = b.persist({ t: 'a', p: {} });
    const later = ['d', 'c', 'b'].map((t) => b.persist({ t, p: { t } }));
    expect(r.calls).toEqual([{ kind: 'one', ts: ['a'] }]);
    first.open();
    expect(await pa).toBe(1);
    expect(await Promise.all(later)).toEqual([1, 0, 1]);
    expect(r.calls).toEqual([
      { kind: 'one', ts: ['a'] },
      { kind: 'many', ts: ['b', 'c', 'd'] },
    ]);
  });

  it('keeps to maxBatch items per call and maxInFlight calls at once', async () => {
    const r = recorder();
    const b = createPersistBatcher({ one: r.one, many: r.many, maxBatch: 2, maxInFlight: 1 });
    const first = r.holdNext();
    const all = ['a', 'b', 'c', 'd', 'e'].map((t) => b.persist({ t, p: {} }));
    expect(r.calls).toHaveLength(1);
    first.open();
    await Promise.all(all);
    expect(r.calls.map((c) => c.ts)).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('with maxInFlight 2, a second call goes out while the first is in flight', async () => {
    const r = recorder();
    const b = createPersistBatcher({ one: r.one, many: r.many, maxInFlight: 2 });
    const first = r.holdNext();
    const pa = b.persist({ t: 'a', p: {} });
    const pb = b.persist({ t: 'b', p: {} });
    expect(r.calls.map((c) => c.ts)).toEqual([['a'], ['b']]);
    first.open();
    expect(await Promise.all([pa, pb])).toEqual([1, 1]);
  });

  it('a `one` that throws instead of rejecting fails its caller, and the next items still go', async () => {
    const g = createGroupCommit<string, string>({
      one: (x) => {
        if (x === 'bad') throw new Error('thrown, not rejected');
        return Promise.resolve(x);
      },
      many: () => Promise.reject(new Error('batch refused')),
    });
    await expect(g.submit('bad')).rejects.toThrow('thrown, not rejected');
    const held = g.submit('a');
    const [b, bad2] = [g.submit('b'), g.submit('bad')];
    await expect(held).resolves.toBe('a');
    await expect(b).resolves.toBe('b');
    await expect(bad2).rejects.toThrow('thrown, not rejected');
    await expect(g.submit('c')).resolves.toBe('c');
  });

  it('keeps arrival order when no order is given', async () => {
    const sent: string[][] = [];
    let release!: () => void;
    const held = new Promise<void>((res) => (release = res));
    const g = createGroupCommit<string, string>({
      one: async (x) => {
        sent.push([x]);
        await held;
        return x.toUpperCase();
      },
      many: async (xs) => {
        sent.push(xs);
        return xs.map((x) => x.toUpperCase());
      },
    });
    const all = ['z', 'y', 'x'].map((x) => g.submit(x));
    release();
    expect(await Promise.all(all)).toEqual(['Z', 'Y', 'X']);
    expect(sent).toEqual([['z'], ['y', 'x']]);
  });

  it('sends a failed batch again record by record: the bad record gets its own error, the others their results', async () => {
    const r = recorder({ failMany: true, failOne: (e) => e.t === 'c' });
    const b = createPersistBatcher(r);
    const first = r.holdNext();
    const pa = b.persist({ t: 'a', p: {} });
    const [pb, pc, pd] = ['b', 'c', 'd'].map((t) => b.persist({ t, p: {} }));
    first.open();
    await expect(pa).resolves.toBe(1);
    await expect(pb).resolves.toBe(1);
    await expect(pc).rejects.toThrow('bad record c');
    await expect(pd).resolves.toBe(1);
    expect(r.calls.map((c) => `${c.kind}:${c.ts.join(',')}`)).toEqual(['one:a', 'many:b,c,d', 'one:b', 'one:c', 'one:d']);
    expect(b.stats.fallbacks).toBe(1);
  });

  it('does not trust a batch answer of the wrong length: the records are sent again one by one', async () => {
    const r = recorder({ manyLength: 1 });
    const b = createPersistBatcher(r);
    const first = r.holdNext();
    void b.persist({ t: 'a', p: {} });
    const rest = ['b', 'c'].map((t) => b.persist({ t, p: {} }));
    first.open();
    expect(await Promise.all(rest)).toEqual([1, 1]);
    expect(r.calls.map((c) => c.kind)).toEqual(['one', 'many', 'one', 'one']);
  });

  it('abort (a simulated crash) rejects the records not yet sent, and they are never sent', async () => {
    const r = recorder();
    const b = createPersistBatcher(r);
    const first = r.holdNext();
    const pa = b.persist({ t: 'a', p: {} });
    const pb = b.persist({ t: 'b', p: {} });
    b.abort(new Error('killed'));
    await expect(pb).rejects.toThrow('killed');
    first.open();
    await expect(pa).resolves.toBe(1);
    await new Promise((res) => setImmediate(res));
    expect(r.calls).toEqual([{ kind: 'one', ts: ['a'] }]);
  });
});

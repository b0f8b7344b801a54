import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client';

type SqlDriverAdapter = Awaited<ReturnType<SqlDriverAdapterFactory['connect']>>;
type Transaction = Awaited<ReturnType<SqlDriverAdapter['startTransaction']>>;
type SqlQuery = Parameters<SqlDriverAdapter['queryRaw']>[0];

/** Counts the statements a Prisma driver adapter sends to the database. */
export class RoundTripCounter {
  private n = 0;
  add(k = 1): void {
    this.n += k;
  }
  get value(): number {
    return this.n;
  }
  reset(): void {
    this.n = 0;
  }
}

/**
 * Wraps a driver adapter factory so that every statement the Prisma client sends
 * through it is counted: each queryRaw / executeRaw / executeScript call, and the
 * BEGIN and COMMIT/ROLLBACK of interactive transactions. Adapters differ in who
 * sends COMMIT: with `usePhantomQuery` (PGlite) the adapter sends it in
 * commit()/rollback(); otherwise (pg) the client sends it through executeRaw,
 * which is already counted. Either way BEGIN is sent inside startTransaction.
 */
export function countRoundTrips(factory: SqlDriverAdapterFactory, counter: RoundTripCounter): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      return wrapAdapter(await factory.connect(), counter);
    },
  };
}

function wrapAdapter(inner: SqlDriverAdapter, counter: RoundTripCounter): SqlDriverAdapter {
  const adapter: SqlDriverAdapter = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw(q: SqlQuery) {
      counter.add();
      return inner.queryRaw(q);
    },
    executeRaw(q: SqlQuery) {
      counter.add();
      return inner.executeRaw(q);
    },
    executeScript(script: string) {
      counter.add();
      return inner.executeScript(script);
    },
    async startTransaction(isolationLevel) {
      counter.add(isolationLevel ? 2 : 1);
      return wrapTransaction(await inner.startTransaction(isolationLevel), counter);
    },
    dispose: () => inner.dispose(),
  };
  if (inner.getConnectionInfo) adapter.getConnectionInfo = () => inner.getConnectionInfo!();
  return adapter;
}

function wrapTransaction(inner: Transaction, counter: RoundTripCounter): Transaction {
  const phantom = inner.options.usePhantomQuery;
  const tx: Transaction = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    options: inner.options,
    queryRaw(q: SqlQuery) {
      counter.add();
      return inner.queryRaw(q);
    },
    executeRaw(q: SqlQuery) {
      counter.add();
      return inner.executeRaw(q);
    },
    commit() {
      if (phantom) counter.add();
      return inner.commit();
    },
    rollback() {
      if (phantom) counter.add();
      return inner.rollback();
    },
  };
  if (inner.createSavepoint) tx.createSavepoint = (name) => (counter.add(), inner.createSavepoint!(name));
  if (inner.rollbackToSavepoint) tx.rollbackToSavepoint = (name) => (counter.add(), inner.rollbackToSavepoint!(name));
  if (inner.releaseSavepoint) tx.releaseSavepoint = (name) => (counter.add(), inner.releaseSavepoint!(name));
  return tx;
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openStore } from './index';
import { world } from './test-support';

const silent = pino({ level: 'silent' });

describe('embedded PGlite store on disk', () => {
  // one directory for the file (creating a PGlite cluster costs seconds); the tests run in order
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tandem-store-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('data survives close and reopen; migrations are not re-applied', async () => {
    const w = world(5);
    const first = await openStore({ dataDir, logger: silent });
    expect(first.kind).toBe('pglite');
    await first.putMany('invoice', w.invoice, 'ERP');
    await first.putMany('customer', w.customer, 'CRM');
    await first.evict('customer'); // identity stays
    const applied = await first.prisma.$queryRawUnsafe<{ name: string; applied_at: Date }[]>(
      'SELECT name, applied_at FROM _tandem_migrations ORDER BY name',
    );
    await first.close();
    await first.close(); // idempotent
    expect(existsSync(path.join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'pglite.pid'))).toBe(false);

    const second = await openStore({ dataDir, logger: silent });
    try {
      const got = await second.getMany('invoice', w.invoice.map((i) => i.id));
      expect(w.invoice.map((i) => got.get(i.id)?.value)).toEqual(w.invoice);
      expect(await second.count('customer')).toBe(0);
      expect((await second.externalIds('customer', w.customer.map((c) => c.id))).size).toBe(5);
      expect(
        await second.prisma.$queryRawUnsafe('SELECT name, applied_at FROM _tandem_migrations ORDER BY name'),
      ).toEqual(applied);
    } finally {
      await second.close();
    }
  });

  test('stores opened on one directory in one process share its single PGlite instance', async () => {
    const [a, b] = await Promise.all([openStore({ dataDir, logger: silent }), openStore({ dataDir, logger: silent })]);
    await a.evict('invoice');
    await a.putMany('customer', world(2).customer, 'CRM');
    expect(await b.count('customer')).toBe(2);
    expect(readFileSync(path.join(dataDir, 'pglite.pid'), 'utf8')).toBe(String(process.pid));
    await a.close();
    expect(await b.count('customer')).toBe(2); // still open: b holds it
    await b.close();
    expect(existsSync(path.join(dataDir, 'pglite.pid'))).toBe(false);
    const c = await openStore({ dataDir, logger: silent });
    expect(await c.count('customer')).toBe(2);
    await c.close();
  });

  test('a second process on the same directory is refused with a clear message; a stale pid file is taken over', async () => {
    writeFileSync(path.join(dataDir, 'pglite.pid'), String(process.ppid)); // a live process that is not us
    await expect(openStore({ dataDir, logger: silent })).rejects.toThrow(
      new RegExp(`in use by process ${process.ppid}.*DATABASE_URL`),
    );
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(path.join(dataDir, 'pglite.pid'), gone);
    const s = await openStore({ dataDir, logger: silent });
    expect(await s.count('customer')).toBe(2);
    await s.close();
  });
});

import pino from 'pino';
import { openStore, storeConfigFromEnv } from './index';
import { parsePostgresUrl } from './drivers';
import { redactUrl } from './config';

describe('store configuration', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('storeConfigFromEnv: embedded by default, DATABASE_URL switches to PostgreSQL', () => {
    delete process.env.DATABASE_URL;
    delete process.env.TANDEM_DATA_DIR;
    delete process.env.TANDEM_PGLITE_THREAD;
    expect(storeConfigFromEnv()).toEqual({ databaseUrl: undefined, dataDir: '.data' });
    process.env.TANDEM_DATA_DIR = '/var/lib/tandem';
    process.env.DATABASE_URL = 'postgresql://u:p@db:5432/tandem?schema=t1';
    expect(storeConfigFromEnv()).toEqual({ databaseUrl: 'postgresql://u:p@db:5432/tandem?schema=t1', dataDir: '/var/lib/tandem' });
    process.env.DATABASE_URL = 'mysql://u:secret@db/x';
    expect(() => storeConfigFromEnv()).toThrow('DATABASE_URL must be a postgres:// or postgresql:// URL, got "mysql://u:***@db/x"');
  });

  test('TANDEM_PGLITE_THREAD turns the embedded database thread on or off, and refuses anything else', () => {
    process.env.TANDEM_PGLITE_THREAD = 'off';
    expect(storeConfigFromEnv().thread).toBe(false);
    process.env.TANDEM_PGLITE_THREAD = 'on';
    expect(storeConfigFromEnv().thread).toBe(true);
    process.env.TANDEM_PGLITE_THREAD = 'maybe';
    expect(() => storeConfigFromEnv()).toThrow('TANDEM_PGLITE_THREAD must be on or off, got "maybe"');
  });

  test('TANDEM_PGLITE_VACUUM_SECONDS sets the embedded maintenance interval (0 = off), and refuses anything else', () => {
    delete process.env.TANDEM_PGLITE_VACUUM_SECONDS;
    expect(storeConfigFromEnv().vacuumSeconds).toBeUndefined();
    process.env.TANDEM_PGLITE_VACUUM_SECONDS = '0';
    expect(storeConfigFromEnv().vacuumSeconds).toBe(0);
    process.env.TANDEM_PGLITE_VACUUM_SECONDS = '60';
    expect(storeConfigFromEnv().vacuumSeconds).toBe(60);
    process.env.TANDEM_PGLITE_VACUUM_SECONDS = 'hourly';
    expect(() => storeConfigFromEnv()).toThrow(/TANDEM_PGLITE_VACUUM_SECONDS/);
    process.env.TANDEM_PGLITE_VACUUM_SECONDS = '-5';
    expect(() => storeConfigFromEnv()).toThrow(/TANDEM_PGLITE_VACUUM_SECONDS/);
  });

  test('parsePostgresUrl splits off ?schema= and checks it', () => {
    expect(parsePostgresUrl('postgres://u@h:5432/db?schema=tenant_1&sslmode=disable')).toEqual({
      connectionString: 'postgres://u@h:5432/db?sslmode=disable',
      schema: 'tenant_1',
    });
    expect(parsePostgresUrl('postgres://u@h/db').schema).toBe('public');
    expect(() => parsePostgresUrl('postgres://u@h/db?schema=a;drop')).toThrow(/must be a plain identifier/);
  });

  test('redactUrl hides passwords', () => {
    expect(redactUrl('postgres://user:hunter2@host/db')).toBe('postgres://user:***@host/db');
    expect(redactUrl('postgres://user@host/db')).toBe('postgres://user@host/db');
  });

  test('an unreachable PostgreSQL fails start-up naming the server, password hidden', async () => {
    await expect(
      openStore({ databaseUrl: 'postgres://tandem:secret@127.0.0.1:1/tandem', logger: pino({ level: 'silent' }) }),
    ).rejects.toThrow(/^cannot connect to PostgreSQL at postgres:\/\/tandem:\*\*\*@127\.0\.0\.1:1\/tandem: .*ECONNREFUSED/);
  });
});

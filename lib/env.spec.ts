import { ConfigError, envDay } from './env';

describe('envDay', () => {
  const name = 'TANDEM_TEST_ENV_DAY';
  afterEach(() => delete process.env[name]);

  test('unset or empty: undefined', () => {
    expect(envDay(name)).toBeUndefined();
    process.env[name] = '';
    expect(envDay(name)).toBeUndefined();
  });

  test('a real day is returned as given', () => {
    process.env[name] = '2026-02-28';
    expect(envDay(name)).toBe('2026-02-28');
  });

  test.each(['2026-02-30', '2026-13-01', '26-01-01', 'tomorrow', '2026-1-1'])('%s is refused with the variable named', (raw) => {
    process.env[name] = raw;
    expect(() => envDay(name)).toThrow(ConfigError);
    expect(() => envDay(name)).toThrow(`${name} must be a day as YYYY-MM-DD, got "${raw}"`);
  });
});

// loadConfig: the defaults ← environment (MONOLITE_<SECTION>_<KEY>) ← flags layering, value parsing and the errors
// and warnings it reports.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError, type LoadOptions } from '../../src/config/load.ts';
import type { PartialConfig } from '../../src/config/schema.ts';

/** Runs loadConfig expecting a ConfigError and returns it. */
function configError(options: LoadOptions): ConfigError {
  let caught: unknown;
  try {
    loadConfig(options);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  return caught;
}

describe('loadConfig layering', () => {
  test('defaults apply when nothing is set', () => {
    const { config, origin, warnings } = loadConfig({ env: {} });
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.headers_timeout, 10_000);
    assert.equal(config.server.request_timeout, 60_000);
    assert.equal(config.server.keep_alive_timeout, 5_000);
    assert.equal(config.server.max_header_size, 16 * 1024);
    assert.equal(config.server.body_limit, 10 * 1024 * 1024);
    assert.equal(config.server.shutdown_timeout, 10_000);
    assert.deepEqual(config.server.trusted_proxies, []);
    assert.equal(config.server.client_ip_header, 'X-Forwarded-For');
    assert.equal(config.server.redirect_http_port, 0);
    assert.equal(config.log.level, 'info');
    assert.equal(config.log.format, 'auto');
    assert.equal(origin.get('server.port'), 'default');
    assert.equal(origin.get('log.level'), 'default');
    assert.deepEqual(warnings, []);
  });

  test('defaults are not shared between loads (mutating one config leaves the next intact)', () => {
    const first = loadConfig({ env: {} });
    const list = first.config.server.trusted_proxies;
    list.push('10.0.0.1');
    try {
      const second = loadConfig({ env: {} });
      assert.deepEqual(second.config.server.trusted_proxies, []);
    } finally {
      list.pop(); // when the default leaks, do not let it spoil the other tests of this file
    }
  });

  test('MONOLITE_SERVER_PORT overrides the default', () => {
    const { config, origin } = loadConfig({ env: { MONOLITE_SERVER_PORT: '9000' } });
    assert.equal(config.server.port, 9000);
    assert.equal(origin.get('server.port'), 'env');
    assert.equal(origin.get('server.host'), 'default');
  });

  test('flags override the environment', () => {
    const { config, origin } = loadConfig({ env: { MONOLITE_SERVER_PORT: '9000', MONOLITE_LOG_LEVEL: 'debug' }, flags: { server: { port: 7000 } } });
    assert.equal(config.server.port, 7000);
    assert.equal(origin.get('server.port'), 'flag');
    assert.equal(config.log.level, 'debug');
    assert.equal(origin.get('log.level'), 'env');
  });

  test('flags given as text are parsed like environment values', () => {
    const flags = { server: { port: '7001', headers_timeout: '300ms', body_limit: '1KiB' } } as unknown as PartialConfig;
    const { config } = loadConfig({ env: {}, flags });
    assert.equal(config.server.port, 7001);
    assert.equal(config.server.headers_timeout, 300);
    assert.equal(config.server.body_limit, 1024);
  });

  test('a flag left undefined does not hide the environment value', () => {
    const { config } = loadConfig({ env: { MONOLITE_SERVER_PORT: '9000' }, flags: { server: { port: undefined } } });
    assert.equal(config.server.port, 9000);
  });

  test('string lists from the environment are comma separated and trimmed', () => {
    const { config } = loadConfig({ env: { MONOLITE_SERVER_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1 ,,::1' } });
    assert.deepEqual(config.server.trusted_proxies, ['10.0.0.0/8', '127.0.0.1', '::1']);
  });
});

describe('the stored layer', () => {
  // What parse() of a stored TOML version gives: typed values, null-prototype tables.
  const table = (o: Record<string, unknown>) => Object.assign(Object.create(null), o);
  const stored = table({
    server: table({ port: 9000, body_limit: '1MiB', headers_timeout: '30s', trusted_proxies: ['10.0.0.0/8'] }),
    mail: table({ host: 'smtp.example.com', password: 'pw-from-store' }),
  });

  test('defaults ← stored ← env ← flags, later wins, each value with its origin', () => {
    const { config, origin } = loadConfig({
      stored,
      env: { MONOLITE_SERVER_BODY_LIMIT: '2MiB', MONOLITE_MAIL_HOST: 'smtp.env.example' },
      flags: { mail: { host: 'smtp.flag.example' } },
    });
    assert.equal(config.server.port, 9000);
    assert.equal(origin.get('server.port'), 'stored');
    assert.equal(config.server.headers_timeout, 30_000);
    assert.deepEqual(config.server.trusted_proxies, ['10.0.0.0/8']);
    assert.equal(config.server.body_limit, 2 * 1024 * 1024);
    assert.equal(origin.get('server.body_limit'), 'env');
    assert.equal(config.mail.host, 'smtp.flag.example');
    assert.equal(origin.get('mail.host'), 'flag');
    assert.equal(config.mail.password, 'pw-from-store');
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(origin.get('server.host'), 'default');
  });

  test('stored values are typed: a number written as a string is wrong there, unlike in the environment', () => {
    const err = configError({ stored: table({ server: table({ port: '9000' }) }), storedLabel: 'stored version 4', env: {} });
    assert.deepEqual(err.problems, ['server.port (stored version 4): expected integer 0–65535, got "9000"']);
    assert.equal(err.message, 'Invalid configuration: server.port (stored version 4): expected integer 0–65535, got "9000"');
  });

  test('problems name the key path and quote the value; a secret is never quoted', () => {
    const err = configError({
      stored: table({ server: 'oops', log: table({ level: ['info'] }), auth: table({ secret: 'too short' }) }),
      env: {},
    });
    assert.deepEqual(err.problems, [
      'server: expected a table of settings, got "oops"',
      'log.level: expected one of "debug", "info", "warn", "error", got ["info"]',
      'auth.secret: expected secret string (at least 32 characters), got 9 characters',
    ]);
  });

  test('unknown stored keys are warnings, and the known ones still apply', () => {
    const { config, warnings } = loadConfig({ stored: table({ server: table({ port: 9001, prot: 1 }), extra: table({ a: 1 }) }), env: {} });
    assert.equal(config.server.port, 9001);
    assert.deepEqual(warnings, ['Unknown setting server.prot is ignored', 'Unknown setting extra is ignored']);
  });

  test('a key named __proto__ is just an unknown key', () => {
    const { warnings } = loadConfig({ stored: table({ ['__proto__']: table({ polluted: true }) }), env: {} });
    assert.deepEqual(warnings, ['Unknown setting __proto__ is ignored']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('loadConfig validation', () => {
  const invalid: { name: string; env?: NodeJS.ProcessEnv; flags?: PartialConfig; key: string; expects: RegExp; envVar?: string }[] = [
    { name: 'port out of range from env', env: { MONOLITE_SERVER_PORT: '99999' }, key: 'server.port', expects: /integer 0–65535/, envVar: 'MONOLITE_SERVER_PORT' },
    { name: 'port not a number from env', env: { MONOLITE_SERVER_PORT: 'http' }, key: 'server.port', expects: /integer 0–65535/, envVar: 'MONOLITE_SERVER_PORT' },
    { name: 'port with a fraction from env', env: { MONOLITE_SERVER_PORT: '80.5' }, key: 'server.port', expects: /integer 0–65535/, envVar: 'MONOLITE_SERVER_PORT' },
    { name: 'empty port from env', env: { MONOLITE_SERVER_PORT: '' }, key: 'server.port', expects: /integer 0–65535/, envVar: 'MONOLITE_SERVER_PORT' },
    { name: 'negative port from a flag', flags: { server: { port: -1 } }, key: 'server.port', expects: /integer 0–65535/ },
    { name: 'log level not a choice', env: { MONOLITE_LOG_LEVEL: 'verbose' }, key: 'log.level', expects: /one of "debug", "info", "warn", "error"/, envVar: 'MONOLITE_LOG_LEVEL' },
    { name: 'duration without a unit', env: { MONOLITE_SERVER_HEADERS_TIMEOUT: '10' }, key: 'server.headers_timeout', expects: /duration/, envVar: 'MONOLITE_SERVER_HEADERS_TIMEOUT' },
    { name: 'duration below its minimum', flags: { server: { headers_timeout: '50ms' } } as unknown as PartialConfig, key: 'server.headers_timeout', expects: /at least 100 ms/ },
    { name: 'size below its minimum', env: { MONOLITE_SERVER_MAX_HEADER_SIZE: '512' }, key: 'server.max_header_size', expects: /at least 1024 bytes/, envVar: 'MONOLITE_SERVER_MAX_HEADER_SIZE' },
    { name: 'size with an unknown unit', env: { MONOLITE_SERVER_BODY_LIMIT: '10 parsecs' }, key: 'server.body_limit', expects: /size/, envVar: 'MONOLITE_SERVER_BODY_LIMIT' },
  ];
  for (const c of invalid) {
    test(`${c.name} → ConfigError naming ${c.key}`, () => {
      const err = configError({ env: c.env ?? {}, flags: c.flags });
      assert.equal(err.problems.length, 1, err.message);
      const [problem] = err.problems;
      assert.ok(problem.startsWith(c.key), `the problem should start with the key path: ${problem}`);
      assert.match(problem, c.expects);
      assert.match(err.message, c.expects);
      if (c.envVar !== undefined) assert.ok(problem.includes(c.envVar), `the problem should name ${c.envVar}: ${problem}`);
      // The offending value is quoted so an empty or whitespace value is visible.
      const value = c.env ? Object.values(c.env)[0] : undefined;
      if (value !== undefined) assert.ok(problem.includes(JSON.stringify(value)), `the problem should quote ${JSON.stringify(value)}: ${problem}`);
    });
  }

  test('all problems are reported at once', () => {
    const err = configError({ env: { MONOLITE_SERVER_PORT: 'x', MONOLITE_LOG_FORMAT: 'xml' }, flags: { server: { redirect_http_port: 70000 } } });
    assert.equal(err.problems.length, 3, err.message);
    assert.ok(err.problems.some((p) => p.startsWith('server.port')));
    assert.ok(err.problems.some((p) => p.startsWith('log.format')));
    assert.ok(err.problems.some((p) => p.startsWith('server.redirect_http_port')));
  });

  test('an invalid environment value is an error even when a flag overrides it', () => {
    const err = configError({ env: { MONOLITE_SERVER_PORT: 'x' }, flags: { server: { port: 7000 } } });
    assert.ok(err.problems[0].startsWith('server.port'));
  });
});

describe('durations and sizes', () => {
  const durations: [string, number][] = [
    ['1h30m', 90 * 60_000],
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['1h0m0s250ms', 3_600_250],
  ];
  for (const [text, ms] of durations) {
    test(`duration ${JSON.stringify(text)} → ${ms} ms`, () => {
      const { config } = loadConfig({ env: { MONOLITE_SERVER_SHUTDOWN_TIMEOUT: text } });
      assert.equal(config.server.shutdown_timeout, ms);
    });
  }

  const badDurations = ['', '10', 'ms', '10 s', '1h30', '5x', '-1s', '1.5.5s', '10sec', 's10', '1h 30m', 'forever'];
  for (const text of badDurations) {
    test(`duration ${JSON.stringify(text)} is rejected`, () => {
      const err = configError({ env: { MONOLITE_SERVER_SHUTDOWN_TIMEOUT: text } });
      assert.match(err.problems[0], /^server\.shutdown_timeout \(from MONOLITE_SERVER_SHUTDOWN_TIMEOUT\): .*duration/);
    });
  }

  const sizes: [string, number][] = [
    ['10MiB', 10 * 1024 * 1024],
    ['512KB', 512_000],
    ['1KiB', 1024],
    ['1024', 1024],
    ['2GiB', 2 * 1024 ** 3],
    ['1mb', 1_000_000],
    ['0.5KiB', 512],
    ['100B', 100],
  ];
  for (const [text, bytes] of sizes) {
    test(`size ${JSON.stringify(text)} → ${bytes} bytes`, () => {
      const { config } = loadConfig({ env: { MONOLITE_SERVER_BODY_LIMIT: text } });
      assert.equal(config.server.body_limit, bytes);
    });
  }

  const badSizes = ['', 'MiB', '10 parsecs', '-5', '1e3', '10MiBs', 'ten', '1.2.3KB', '0x10'];
  for (const text of badSizes) {
    test(`size ${JSON.stringify(text)} is rejected`, () => {
      const err = configError({ env: { MONOLITE_SERVER_BODY_LIMIT: text } });
      assert.match(err.problems[0], /^server\.body_limit \(from MONOLITE_SERVER_BODY_LIMIT\): .*size/);
    });
  }

  test('a size flag may be a plain integer of bytes', () => {
    const { config } = loadConfig({ env: {}, flags: { server: { body_limit: 2048 } } });
    assert.equal(config.server.body_limit, 2048);
  });

  test('a size flag that is a fractional number is rejected', () => {
    const err = configError({ env: {}, flags: { server: { body_limit: 10.5 } } });
    assert.match(err.problems[0], /^server\.body_limit/);
  });
});

describe('warnings', () => {
  test('an unknown key in a known section is a warning, not an error', () => {
    const { config, warnings } = loadConfig({ env: { MONOLITE_SERVER_NOPE: '1', MONOLITE_SERVER_PORT: '9000' } });
    assert.equal(config.server.port, 9000);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0], 'MONOLITE_SERVER_NOPE: no such setting');
  });

  test('an unknown section is a warning naming the variable', () => {
    const { warnings } = loadConfig({ env: { MONOLITE_NOPE_X: '1' } });
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0].includes('MONOLITE_NOPE_X'), warnings[0]);
  });

  test('MONOLITE_DATA_DIR, MONOLITE_NODE and MONOLITE_SECRET_KEY_FILE are not settings and not warnings', () => {
    const { warnings } = loadConfig({ env: { MONOLITE_DATA_DIR: '/tmp/x', MONOLITE_NODE: '/usr/bin/node', MONOLITE_SECRET_KEY_FILE: '/run/secrets/k' } });
    assert.deepEqual(warnings, []);
  });

  test('variables without the MONOLITE_ prefix are ignored', () => {
    const { warnings, config } = loadConfig({ env: { SERVER_PORT: '1', PORT: '2', MONOLITEX_SERVER_PORT: '3' } });
    assert.deepEqual(warnings, []);
    assert.equal(config.server.port, 8080);
  });

  test('an unknown flag is a warning, not an error', () => {
    const flags = { server: { nope: 1 } } as unknown as PartialConfig;
    const { warnings } = loadConfig({ env: {}, flags });
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0].includes('server.nope'), warnings[0]);
  });
});

// `monolite config …` end to end on a temporary data directory: every subcommand through the real command line
// (in process via main(), with its own streams and environment; a few through a subprocess for exit codes).
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/main.ts';
import { parse } from '../../src/lib/toml.ts';
import { ROOT } from '../support/process.ts';

let tmp: string;
let dataDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-cli-config-'));
  dataDir = path.join(tmp, 'data');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Result { status: number; stdout: string; stderr: string }

/** Runs `monolite config <args> --data-dir <tmp>` in process. */
async function config(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough().on('data', (c) => out.push(String(c)));
  const stderr = new PassThrough().on('data', (c) => err.push(String(c)));
  const status = await main(['config', ...args, '--data-dir', dataDir], { stdout, stderr, env });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** Like config() but the command must succeed. */
async function ok(...args: string[]): Promise<string> {
  const r = await config(args);
  assert.equal(r.status, 0, `config ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('config show / get / paths on a fresh data directory', () => {
  test('the first command creates the data directory with version 1; secrets are masked unless asked', async () => {
    const shown = await ok('show');
    assert.ok(fs.existsSync(path.join(dataDir, 'secret.key')));
    assert.match(shown, /^# version 1 of "application", saved \d{4}-.*: Defaults, with generated secrets$/m);
    assert.match(shown, /^\[server\]$/m);
    assert.match(shown, /^# port = 8080$/m);
    assert.match(shown, /^secret = "\*{8}"$/m);
    const revealed = await ok('show', '--show-secrets');
    const secret = /^secret = "([A-Za-z0-9_-]{43})"$/m.exec(revealed)?.[1];
    assert.ok(secret, revealed);
    assert.equal(await ok('get', 'auth.secret'), '"********"\n');
    assert.equal(await ok('get', 'auth.secret', '--show-secrets'), `"${secret}"\n`);
    assert.equal(await ok('get', 'mail.password'), '""\n', 'an unset secret shows as empty');
  });

  test('get prints TOML values; a group prints each of its keys', async () => {
    assert.equal(await ok('get', 'server.port'), '8080\n');
    assert.equal(await ok('get', 'server.headers_timeout'), '"10s"\n');
    assert.equal(await ok('get', 'server.trusted_proxies'), '[]\n');
    const group = await ok('get', 'maintenance');
    assert.equal(group, 'maintenance.enabled = false\nmaintenance.allow_ips = []\nmaintenance.retry_after = "10m"\n');
    const unknown = await config(['get', 'server.prot']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^monolite: Unknown setting server\.prot; did you mean server\.port\?/);
  });

  test('paths lists every key with type, default and reload', async () => {
    const paths = await ok('paths');
    assert.match(paths, /^KEY\s+TYPE\s+DEFAULT\s+RELOAD$/m);
    assert.match(paths, /^server\.port\s+integer 0–65535\s+8080\s+restart$/m);
    assert.match(paths, /^server\.body_limit\s+size\s+"10MiB"\s+live$/m);
    assert.match(paths, /^auth\.secret\s+secret string \(at least 32 characters\)\s+\(generated\)\s+restart$/m);
    assert.match(paths, /^mail\.password\s+secret string\s+""\s+live$/m);
  });
});

describe('config set / unset', () => {
  test('set type-checks, saves a version, says whether it needs a restart; get reads it back', async () => {
    const saved = await ok('set', 'server.port', '9000');
    assert.match(saved, /^Saved version 2 of "application" \(set server\.port = 9000\)$/m);
    assert.match(saved, /^server\.port takes effect when the server restarts$/m);
    assert.match(saved, /^No server is running on this data directory/m);
    assert.equal(await ok('get', 'server.port'), '9000\n');
    // Bare text is a string for text-like settings; TOML strings work too.
    await ok('set', 'server.headers_timeout', '30s');
    assert.equal(await ok('get', 'server.headers_timeout'), '"30s"\n');
    await ok('set', 'server.trusted_proxies', '["10.0.0.0/8", "::1"]');
    assert.equal(await ok('get', 'server.trusted_proxies'), '["10.0.0.0/8", "::1"]\n');
    const live = await ok('set', 'server.body_limit', '"1MiB"', '-m', 'uploads are small');
    assert.doesNotMatch(live, /restart/);
    assert.match(await ok('versions'), /^5\s+\S+\s+toml\s+set server\.body_limit = "1MiB": uploads are small$/m);
    assert.match(await ok('set', 'server.port', '9000'), /^server\.port is already 9000; nothing saved$/m);
    assert.equal((await ok('versions')).trim().split('\n').length, 1 + 5);
  });

  test('an invalid value is refused with the key path and what was expected; nothing is saved', async () => {
    const cases: [string, string, RegExp][] = [
      ['server.port', '80a', /^monolite: server\.port: expected integer 0–65535, got "80a"\n$/],
      ['server.port', '70000', /^monolite: server\.port: expected integer 0–65535, got 70000\n$/],
      ['server.headers_timeout', '10 parsecs', /^monolite: server\.headers_timeout: expected a duration such as "10s"/],
      ['log.level', 'loud', /^monolite: log\.level: expected one of "debug", "info", "warn", "error", got "loud"\n$/],
      ['mail.tls_verify', 'yes', /^monolite: mail\.tls_verify: expected boolean, got "yes"\n$/],
      ['auth.secret', 'short', /^monolite: auth\.secret: expected secret string \(at least 32 characters\), got 5 characters\n$/],
      ['server.port', '"unterminated', /^monolite: Invalid value "\\"unterminated": /],
      ['nope.key', '1', /^monolite: Unknown setting nope\.key \(monolite config paths lists them\)\n$/],
    ];
    for (const [key, value, message] of cases) {
      const r = await config(['set', key, value]);
      assert.equal(r.status, 1, `${key} ${value}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assert.equal((await ok('versions')).trim().split('\n').length, 2, 'still only version 1');
  });

  test('a secret is never echoed, in output or in the version description', async () => {
    const out = await ok('set', 'mail.password', 'correct-horse-battery-staple');
    assert.doesNotMatch(out, /correct-horse/);
    assert.doesNotMatch(await ok('versions'), /correct-horse/);
    assert.doesNotMatch(await ok('show'), /correct-horse/);
    assert.doesNotMatch(await ok('diff'), /correct-horse/);
    assert.match(await ok('diff', '--show-secrets'), /^\+password = "correct-horse-battery-staple"$/m);
    assert.equal(await ok('get', 'mail.password', '--show-secrets'), '"correct-horse-battery-staple"\n');
  });

  test('unset returns a key to its default', async () => {
    await ok('set', 'server.port', '9000');
    assert.match(await ok('unset', 'server.port'), /^Saved version 3 of "application" \(unset server\.port\)$/m);
    assert.equal(await ok('get', 'server.port'), '8080\n');
    assert.match(await ok('unset', 'server.port'), /^server\.port is not set in version 3; nothing saved$/m);
  });
});

describe('config versions / diff / rollback / export / import', () => {
  test('diff shows a unified diff of the latest and previous versions by default, or of named versions', async () => {
    await ok('set', 'server.port', '9000');
    await ok('set', 'log.level', 'debug');
    const latest = await ok('diff');
    assert.match(latest, /^--- version 2 \(.+Z\)$/m);
    assert.match(latest, /^\+\+\+ version 3 \(.+Z\)$/m);
    assert.match(latest, /^-# level = "info"$/m);
    assert.match(latest, /^\+level = "debug"$/m);
    assert.doesNotMatch(latest, /port/, 'only the change and its context');
    const both = await ok('diff', '1', '3');
    assert.match(both, /^-# port = 8080$/m);
    assert.match(both, /^\+port = 9000$/m);
    assert.match(both, /^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    assert.equal(await ok('diff', '2', '2'), 'No differences between version 2 and version 2\n');
    const fromOne = await ok('diff', '1');
    assert.match(fromOne, /^--- version 1 /m);
    assert.match(fromOne, /^\+\+\+ version 3 /m);
  });

  test('diff on a single version, or of a missing one, fails with a reason', async () => {
    const single = await config(['diff']);
    assert.equal(single.status, 1);
    assert.match(single.stderr, /has only version 1; nothing to compare/);
    const missing = await config(['diff', '1', '7']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^monolite: No version 7 in scope "application"/);
    const bad = await config(['diff', 'x']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^monolite: Invalid version "x"/);
  });

  test('rollback saves an old version as the new latest', async () => {
    await ok('set', 'server.port', '9000');
    await ok('set', 'server.port', '9100');
    assert.match(await ok('rollback', '2'), /^Saved version 4 of "application" \(rollback to version 2\)$/m);
    assert.equal(await ok('get', 'server.port'), '9000\n');
    assert.equal(await ok('export'), await ok('export', '--version', '2'));
    assert.match(await ok('versions'), /^VERSION\s+SAVED\s+FORMAT\s+DESCRIPTION\n4\s+.*rollback to version 2\n3\s+.*set server\.port = 9100\n2\s+.*\n1\s+.*Defaults, with generated secrets\n$/);
    const missing = await config(['rollback', '9']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /No version 9/);
  });

  test('export prints the stored text exactly; import stores a file as written, after checking it', async () => {
    const v1 = await ok('export');
    assert.match(v1, /^secret = "[A-Za-z0-9_-]{43}"$/m, 'export includes secrets');
    const text = '# my settings\n[server]\nport = 9300 # comments are kept\n\n[auth]\nsecret = "0123456789abcdef0123456789abcdef-long"\n';
    const file = write('mine.toml', text);
    const imported = await ok('import', file, '-m', 'from staging');
    assert.match(imported, /^Saved version 2 of "application" \(import mine\.toml\)$/m);
    assert.equal(await ok('export'), text);
    assert.match(await ok('versions'), /^2\s+.*import mine\.toml: from staging$/m);
    assert.equal(await ok('get', 'server.port'), '9300\n');
    assert.match(await ok('import', file), /^mine\.toml is identical to version 2; nothing saved$/m);
  });

  test('import refuses bad files with what and where, and saves nothing', async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['syntax.toml', '[server]\nport 9000\n', /^monolite: Cannot import .*syntax\.toml: Expected "=" after key "port" at line 2, column 6/],
      ['type.toml', '[server]\nport = "high"\n', /^monolite: Invalid configuration: server\.port \(stored version \d+\)?: expected integer 0–65535, got "high"|^monolite: Invalid configuration: server\.port: expected integer 0–65535, got "high"/],
      ['latin1.toml', Buffer.from([0x61, 0x20, 0x3d, 0x20, 0x22, 0xe9, 0x22, 0x0a]), /^monolite: Cannot import .*latin1\.toml: it is not valid UTF-8\n$/],
      ['app.yaml', 'a: 1\n', /^monolite: The application configuration is TOML; .* has format "yaml"/],
    ];
    for (const [name, content, message] of cases) {
      const r = await config(['import', write(name, content)]);
      assert.equal(r.status, 1, name);
      assert.match(r.stderr, message, name);
    }
    const missing = await config(['import', path.join(tmp, 'nope.toml')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^monolite: Cannot read .*nope\.toml: ENOENT/);
    assert.equal((await ok('versions')).trim().split('\n').length, 2, 'still only version 1');
  });

  test('import warns about unknown keys but saves', async () => {
    const r = await config(['import', write('extra.toml', '[server]\nport = 9000\nportt = 1\n[unknown]\nx = 1\n')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^monolite: warning: Unknown setting server\.portt is ignored$/m);
    assert.match(r.stderr, /^monolite: warning: Unknown setting unknown is ignored$/m);
    // `set` keeps keys it does not know: they are the user's.
    await ok('set', 'server.port', '9001');
    const doc = parse(await ok('export')) as { server: Record<string, unknown>; unknown: Record<string, unknown> };
    assert.equal(doc.server.portt, 1);
    assert.equal(doc.unknown.x, 1);
  });
});

describe('config show --effective and the layers', () => {
  test('each setting with the layer it came from; the environment wins over the store', async () => {
    await ok('set', 'server.port', '9000');
    await ok('set', 'log.level', 'warn');
    const r = await config(['show', '--effective'], { MONOLITE_LOG_LEVEL: 'debug' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^server\.port = 9000\s+# stored \(version 3\)$/m);
    assert.match(r.stdout, /^log\.level = "debug"\s+# env \(MONOLITE_LOG_LEVEL\)$/m);
    assert.match(r.stdout, /^server\.host = "127\.0\.0\.1"\s+# default$/m);
    assert.match(r.stdout, /^server\.body_limit = "10MiB"\s+# default$/m);
    assert.match(r.stdout, /^auth\.secret = "\*{8}"\s+# stored \(version 3\)$/m);
    const secrets = await config(['show', '--effective', '--show-secrets']);
    assert.match(secrets.stdout, /^auth\.secret = "[A-Za-z0-9_-]{43}"/m);
    const envGet = await config(['get', 'server.port'], { MONOLITE_SERVER_PORT: '7000' });
    assert.equal(envGet.stdout, '7000\n');
    const badEnv = await config(['show', '--effective'], { MONOLITE_SERVER_PORT: 'x' });
    assert.equal(badEnv.status, 1);
    assert.match(badEnv.stderr, /server\.port \(from MONOLITE_SERVER_PORT\): expected integer/);
  });
});

describe('config scopes: the app\'s own documents', () => {
  test('any scope holds any format; TOML scopes support get and set', async () => {
    await ok('import', write('litestream.yml', 'dbs:\n  - path: app.db\n'), '--scope', 'litestream');
    assert.equal(await ok('export', '--scope', 'litestream'), 'dbs:\n  - path: app.db\n');
    assert.match(await ok('show', '--scope', 'litestream'), /^# version 1 of "litestream"/);
    const setYaml = await config(['set', 'dbs', '1', '--scope', 'litestream']);
    assert.equal(setYaml.status, 1);
    assert.match(setYaml.stderr, /is yml, not TOML/);

    await ok('set', 'billing.plan."pro.yearly"', '120', '--scope', 'shop');
    await ok('set', 'billing.currency', 'EUR', '--scope', 'shop');
    assert.equal(await ok('get', 'billing.plan."pro.yearly"', '--scope', 'shop'), '120\n');
    assert.equal(await ok('get', 'billing.currency', '--scope', 'shop'), '"EUR"\n');
    assert.match(await ok('paths', '--scope', 'shop'), /^billing\.plan\.pro\.yearly\s+number$/m);
    assert.equal(await ok('scopes'), 'SCOPE        VERSIONS\napplication  1\nlitestream   1\nshop         2\n');
    const missing = await config(['get', 'billing.nope', '--scope', 'shop']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /No key billing\.nope in the "shop" configuration/);
    const badScope = await config(['set', 'a', '1', '--scope', 'Has Space']);
    assert.equal(badScope.status, 1);
    assert.match(badScope.stderr, /Invalid scope name "Has Space"/);
  });
});

describe('config usage', () => {
  test('mistakes exit 2 with the usage; --help works per subcommand', async () => {
    const cases: [string[], RegExp][] = [
      [[], /^monolite: Missing subcommand: expected one of show, get, .*\n\nUsage:\n  monolite config <subcommand>/],
      [['frob'], /^monolite: Unknown subcommand "frob"; expected one of show, get, set/],
      [['get'], /^monolite: "config get" needs an argument/],
      [['set', 'a'], /^monolite: "config set" needs 2 arguments/],
      [['scopes', 'x'], /^monolite: Too many arguments for "config scopes": "x"/],
      [['versions', '--effective'], /^monolite: Option --effective does not apply to "config versions"/],
      [['get', 'a..b'], /^monolite: Invalid key "a\.\.b"/],
    ];
    for (const [args, message] of cases) {
      const r = await config(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
    }
    const help = await config(['set', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage:\n  monolite config set KEY VALUE \[--scope S\]/);
    assert.match((await config(['--help'])).stdout, /monolite config <subcommand>[\s\S]*diff \[A\] \[B\]/);
    assert.equal(fs.existsSync(dataDir), false, 'usage mistakes and help create nothing');
  });

  test('through a real process: exit codes and streams', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ['src/main.ts', 'config', ...args, '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8' });
    const set = run('set', 'server.port', '9000');
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stdout, /^Saved version 2/m);
    const bad = run('set', 'server.port', 'x');
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, 'monolite: server.port: expected integer 0–65535, got "x"\n');
    assert.equal(run('get', 'server.port').stdout, '9000\n');
  });
});

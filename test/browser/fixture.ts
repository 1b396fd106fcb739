// The server the browser tests drive: a real `monolite serve` child process on a temporary data directory, configured
// the way an operator would (`monolite config import`), with mail to the SMTP test server, an OAuth2 provider pointed
// at the local fake one, a REST database (a small shop.db) and the static folder to serve.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { stringify } from '../../src/lib/toml.ts';
import { ROOT, servingUrl, start, type Running } from '../support/process.ts';
import { SMTP_PASSWORD, SMTP_USER, type SmtpTestServer } from '../support/smtp-server.ts';
import type { FakeOAuth2Provider } from '../support/oauth2-provider.ts';

const CA_FILE = join(ROOT, 'test/support/tls/cert.pem');

/** The shop the table browser shows: 30 orders, so that a page of 10 leaves three pages. */
const SHOP = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), amount REAL NOT NULL CHECK (amount >= 0),
  status TEXT NOT NULL DEFAULT 'new', note TEXT
);
CREATE VIEW order_totals AS SELECT customer_id, SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY customer_id;
INSERT INTO customers VALUES (1, 'Ada', 'ada@shop.test'), (2, 'Brendan', 'brendan@shop.test'), (3, 'Grace', NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
INSERT INTO orders (id, customer_id, amount, status, note)
  SELECT i, 1 + i % 3, i * 10.0, CASE WHEN i % 4 = 0 THEN 'pending' ELSE 'paid' END, CASE WHEN i % 5 = 0 THEN NULL ELSE 'order ' || i END FROM n;
`;

export interface MonoliteOptions {
  /** Mail goes to this server (STARTTLS, AUTH); without it no mail can be sent. */
  smtp?: SmtpTestServer;
  /** An OpenID Connect provider "fake" (display name "Fake ID") at this fake, returning to /oauth2-callback.html. */
  oauth2?: FakeOAuth2Provider;
  /** Serve shop.db (created in the temporary folder) as REST database "shop". */
  shop?: boolean;
  /** The folder served at / (default: the project's public/). */
  staticDir?: string;
  /** Keep log records in logs.db (log.store; off by default here). */
  logStore?: boolean;
}

export interface RunningMonolite {
  /** http://127.0.0.1:<port> */
  url: string;
  dataDir: string;
  /** The shop database file, when `shop` was asked for. */
  shopFile: string;
  run: Running;
  /** Runs a `monolite` command on this data directory; throws with its output unless it exits 0. */
  cli(args: string[], input?: string): string;
  stop(): Promise<void>;
}

/** Starts `monolite serve --port 0` configured by `options`; resolves once it serves. */
export async function startMonolite(options: MonoliteOptions = {}): Promise<RunningMonolite> {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-browser-'));
  const dataDir = join(dir, 'data');
  const shopFile = join(dir, 'shop.db');
  if (options.shop) {
    const db = new DatabaseSync(shopFile);
    db.exec(SHOP);
    db.close();
  }
  const cli = (args: string[], input?: string): string => {
    const run = spawnSync(process.execPath, ['src/main.ts', ...args, '--data-dir', dataDir], { cwd: ROOT, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    if (run.status !== 0) throw new Error(`monolite ${args.join(' ')} exited ${run.status}:\n${run.stdout}${run.stderr}`);
    return run.stdout;
  };
  const configFile = join(dir, 'monolite.toml');
  const importConfig = (url: string | null) => {
    writeFileSync(configFile, stringify(configuration(options, shopFile, url)));
    cli(['config', 'import', configFile]);
  };
  // The first import creates the data directory; the provider's redirect URL needs the port, known once serving.
  importConfig(null);
  const run = start(['src/main.ts', 'serve', '--port', '0', '--data-dir', dataDir]);
  let url: string;
  try {
    url = (await servingUrl(run)).replace('//localhost:', '//127.0.0.1:');
    if (options.oauth2) {
      importConfig(url);
      await run.waitFor((line) => line.msg === 'Configuration reloaded');
    }
  } catch (err) {
    run.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url, dataDir, shopFile, run, cli,
    async stop() {
      if (run.child.exitCode === null) {
        run.child.kill('SIGTERM');
        await run.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function configuration(options: MonoliteOptions, shopFile: string, url: string | null): Record<string, unknown> {
  const config: Record<string, any> = {
    auth: { secret: randomBytes(24).toString('base64url') },
    // One browser sends every request from 127.0.0.1: the IP blocker must not take it for a flood.
    block_ip: { enabled: false },
    log: { store: options.logStore ?? false },
  };
  if (options.staticDir !== undefined) config.static = { dir: options.staticDir };
  if (options.smtp) {
    config.mail = {
      host: '127.0.0.1', port: options.smtp.ports.starttls, security: 'starttls', username: SMTP_USER, password: SMTP_PASSWORD,
      from: 'noreply@monolite.test', from_name: 'monolite tests', ca_file: CA_FILE,
    };
  }
  if (options.oauth2 && url !== null) {
    config.auth.oauth2 = { fake: { ...options.oauth2.configTable('oidc', `${url}/oauth2-callback.html`), display_name: 'Fake ID' } };
  }
  if (options.shop) config.rest = { databases: { shop: { uri: `sqlite://${shopFile}`, title: 'Shop' } } };
  return config;
}

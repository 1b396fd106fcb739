// Fuzzing the REST query DSL (src/rest/query.ts): directly, every refusal is a 400 HttpError; through a real server
// over the shop fixture, reads and rolled-back writes answer 200/201/204 or a 4xx problem, never a 5xx, and the
// database never changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { HttpError } from '../../src/http/errors.ts';
import { parseReadQuery, parseWhere, rangeFromHeaders } from '../../src/rest/query.ts';
import type { ColumnInfo, TableInfo } from '../../src/rest/plugin.ts';
import { serveShop, token, type Served } from '../e2e/rest-fixture.ts';
import { BOUNDARY_NUMBERS, fuzz, toText, UNICODE_EDGES, type Rng } from '../support/fuzz.ts';

const col = (name: string, type: string): ColumnInfo => ({ name, type, notNull: false, hasDefault: false, primaryKey: 0 });
const ORDERS: TableInfo = {
  name: 'orders', kind: 'table',
  columns: [col('id', 'INTEGER'), col('user_id', 'INTEGER'), col('amount', 'REAL'), col('status', 'TEXT'), col('note', 'TEXT'),
    col('created_at', 'DATETIME'), col('big', 'INTEGER'), col('data', 'BLOB'), col('anything', '')],
};
const COLUMNS = ORDERS.columns.map((c) => c.name);
const OPERATORS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'like', 'ilike', 'is', 'in', 'EQ', 'nope', ''];
const CONTEXT: Record<string, string> = { 'erctx.claims_sub': 'u-1', 'request.claims.sub': 'u-1' };
const resolve = (text: string) => CONTEXT[text] ?? text;


/** A query string from the DSL's grammar, its values at the edges. */
function query(rng: Rng): string {
  const params: string[] = [];
  // Mostly encoded as a client would; now and then raw, which URLSearchParams reads its own way ('+', '%').
  const enc = (text: string) => (rng.chance(0.8) ? encodeURIComponent(text.toWellFormed()) : text);
  const value = () => rng.pick([
    () => rng.pick(BOUNDARY_NUMBERS), () => rng.pick(UNICODE_EDGES), () => rng.pick(['null', 'not_null', 'TRUE', 'paid', '%', '_', "x' OR '1'='1", '']),
    () => Array.from({ length: 1 + rng.int(5) }, () => rng.pick(['1', '"a,b"', '""', '"', ' 2 ', 'paid', ''])).join(','),
    () => rng.pick(['erctx.claims_sub', 'request.claims.sub', 'erctx.missing']),
  ])();
  const n = 1 + rng.int(6);
  for (let i = 0; i < n; i++) {
    switch (rng.int(6)) {
      case 0: case 1:
        params.push(`where.${rng.chance(0.2) ? 'not.' : ''}${rng.pick(OPERATORS)}.${rng.pick(COLUMNS)}=${enc(value())}`);
        break;
      case 2: {
        const items = Array.from({ length: 1 + rng.int(4) }, () => rng.pick([
          () => rng.pick(COLUMNS), () => `${rng.pick(['a', 'x_1', '1a', 'a b', ''])}:${rng.pick(COLUMNS)}`, () => 'count()',
          () => `${rng.pick(COLUMNS)}.${rng.pick(['sum', 'avg', 'min', 'max', 'count', 'nope'])}()`, () => rng.pick(['erctx.claims_sub', 'me:request.claims.sub']),
        ])());
        params.push(`select=${enc(items.join(','))}`);
        break;
      }
      case 3: params.push(`ordering=${enc(Array.from({ length: 1 + rng.int(3) }, () => `${rng.chance(0.5) ? '-' : ''}${rng.pick(COLUMNS)}`).join(','))}`); break;
      case 4: params.push(`${rng.pick(['limit', 'offset'])}=${enc(rng.pick(BOUNDARY_NUMBERS))}`); break;
      default: params.push(rng.pick(['count=true', 'format=csv', 'where.', 'where.eq', 'where..id=1', 'select=', 'x=1']));
    }
  }
  return params.join('&');
}

const SEEDS = [
  'select=id,name:status,count(),total:amount.sum()&where.gt.amount=10&ordering=-id,status&limit=2&offset=1',
  'where.in.status=paid,"a,b",""&where.not.is.note=null&where.like.note=b%25', 'where.eq.big=9223372036854775808&where.lt.id=-0',
  'select=me:erctx.claims_sub,request.claims.sub&where.eq.user_id=erctx.claims_sub', 'limit=9007199254740992&offset=-1',
  'where.in.id=&where.is.note=maybe&select=a:b:c', 'ordering=nope&select=id,id', 'where.ilike.status=%25%5F',
];
const DICTIONARY = ['&', '=', '.', ',', ':', '-', '()', '"', '""', '%', '%25', '%00', '%2C', '+', 'where.', 'where.not.', 'eq.', 'in.', 'is.',
  'like.', 'select=', 'ordering=', 'limit=', 'offset=', 'count()', '.sum()', 'erctx.', 'request.', ...COLUMNS];

test('fuzz: parseReadQuery and parseWhere refuse only with a 400 HttpError', { timeout: 600_000 }, async (t) => {
  const stats = await fuzz('query-dsl', {
    seeds: SEEDS,
    dictionary: DICTIONARY,
    generate: query,
    run(input) {
      const params = new URLSearchParams(toText(input));
      for (const parse of [
        () => parseReadQuery(params, ORDERS, { defaultLimit: 100, maxLimit: 1000, resolve, range: null, count: false }),
        () => parseWhere(params, ORDERS, resolve),
        () => rangeFromHeaders('items', params.get('range') ?? toText(input).slice(0, 40)),
      ]) {
        try {
          parse();
        } catch (err) {
          if (!(err instanceof HttpError)) throw err;
          assert.equal(err.status, 400, err.message);
        }
      }
    },
  });
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});

let s: Served;
before(async () => { s = await serveShop(); });
after(async () => { await s?.close(); });

/** Every row of the shop, to compare before and after. */
function snapshot(): string {
  return ['users', 'orders', 'products', 'internal_log']
    .map((table) => {
      const rows = s.other.prepare(`SELECT * FROM ${table} ORDER BY rowid`);
      rows.setReadBigInts(true);
      return JSON.stringify(rows.all(), (_, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    })
    .join('\n');
}

test('fuzz: REST reads and rolled-back writes with fuzzed queries answer 2xx or a 4xx problem, and change nothing', { timeout: 600_000 }, async (t) => {
  const READ = token('read');
  const WRITE = token('read write');
  const before = snapshot();
  const version = () => (s.other.prepare('PRAGMA data_version').get() as { data_version: number }).data_version;
  const initial = version();
  const requests = [
    { method: 'GET', path: '/api/shop/orders', token: READ },
    { method: 'GET', path: '/api/shop/order_totals', token: READ },
    { method: 'GET', path: '/api/small/users', token: READ },
    { method: 'DELETE', path: '/api/rollback/orders', token: WRITE },
    { method: 'PATCH', path: '/api/rollback/orders', token: WRITE, body: '{"note":"fuzz","amount":1}' },
    { method: 'PATCH', path: '/api/rollback/users', token: WRITE, body: '{"age":1}' },
  ];
  const stats = await fuzz('query-http', {
    seeds: SEEDS,
    dictionary: DICTIONARY,
    generate: query,
    async run(input) {
      const r = requests[createHash('sha1').update(input).digest().readUInt32LE(0) % requests.length];
      let target: URL;
      try {
        target = new URL(`${r.path}?${toText(input)}`, s.url);
      } catch {
        return; // not a URL fetch can send: nothing reaches the server
      }
      const headers: Record<string, string> = { authorization: `Bearer ${r.token}` };
      if (r.body) headers['content-type'] = 'application/json';
      const res = await fetch(target, { method: r.method, headers, body: r.body, signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      assert.ok(res.status < 500, `${r.method} ${target.pathname}${target.search} answered ${res.status}: ${text.slice(0, 300)}`);
      if (res.status >= 400) {
        assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal(JSON.parse(text).status, res.status);
      }
      // data_version moves when another connection commits: a rolled-back write must never.
      assert.equal(version(), initial, `${r.method} ${target.pathname}${target.search} changed the database`);
    },
  });
  assert.equal(snapshot(), before);
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});

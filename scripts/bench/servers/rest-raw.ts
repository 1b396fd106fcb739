// Bench peer: the same two endpoints as monolite's /api/shop/orders, hand-written on node:http + node:sqlite —
// GET with `where.gt.amount` and `limit` (one prepared statement, rows as JSON), POST of a JSON array inserted in one
// transaction and answered with the stored rows. No auth, no middleware: the floor monolite is measured against.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createShop } from './shop-data.ts';
import { announce, closeServer, portOf, stopOn } from './lifecycle.ts';

const dir = mkdtempSync(join(tmpdir(), 'monolite-bench-rest-raw-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
createShop(join(dir, 'shop.db'));
const db = new DatabaseSync(join(dir, 'shop.db'));
db.exec('PRAGMA synchronous = NORMAL');
const select = db.prepare('SELECT * FROM orders WHERE amount > ? LIMIT ?');
const insert = db.prepare('INSERT INTO orders (user_id, amount, status) VALUES (?, ?, ?) RETURNING *');

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET' && url.pathname === '/api/shop/orders') {
    const rows = select.all(Number(url.searchParams.get('where.gt.amount')), Number(url.searchParams.get('limit') ?? 100));
    const body = JSON.stringify(rows);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (req.method === 'POST' && url.pathname === '/api/shop/orders') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const items = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { user_id: number; amount: number; status: string }[];
      db.exec('BEGIN IMMEDIATE');
      // all(), not get(): an unfinished INSERT … RETURNING keeps SQLite from checkpointing the WAL (see fastify.ts).
      const out = items.map((r) => insert.all(r.user_id, r.amount, r.status)[0]);
      db.exec('COMMIT');
      const body = JSON.stringify(out);
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    return;
  }
  res.writeHead(404).end();
});
server.listen(0, '127.0.0.1', () => announce(portOf(server)));
stopOn(() => closeServer(server));

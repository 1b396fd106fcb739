// The shop database both REST bench servers serve: 10,000 orders over 500 users, amounts spread over 0–1000.
import { DatabaseSync } from 'node:sqlite';

export const ORDERS = 10_000;

/** Creates `file` with the orders table filled (a fixed PRNG, so both servers get the same rows). */
export function createShop(file: string): void {
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA journal_mode = WAL;
    CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, amount REAL NOT NULL, status TEXT NOT NULL DEFAULT 'new', note TEXT, created_at TEXT NOT NULL DEFAULT '2024-01-01 00:00:00');
    CREATE INDEX orders_amount ON orders (amount);`);
  let seed = 42;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const insert = db.prepare('INSERT INTO orders (user_id, amount, status, note) VALUES (?, ?, ?, ?)');
  db.exec('BEGIN');
  for (let i = 0; i < ORDERS; i++) insert.run(1 + Math.floor(next() * 500), Math.round(next() * 100_000) / 100, next() < 0.5 ? 'paid' : 'pending', `order ${i}`);
  db.exec('COMMIT');
  db.close();
}

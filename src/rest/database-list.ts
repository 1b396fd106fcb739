// `GET /api/databases`: the names and titles of the REST databases, the list clients such as the table browser start
// from. A module of its own so that a server with no REST database answers it without loading the REST engine.
import type { Router } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';

/** What the list needs of a database (a RestDatabase has it). */
export interface ListedDatabase {
  name: string;
  config: { title: string };
}

/** Registers `GET /api/databases` for `databases` (an empty list when there are none). */
export function registerDatabaseList(router: Router<Handler>, databases: readonly ListedDatabase[]): void {
  // Names and titles only: what is in each database is told by its documents, under its own permissions.
  const list = JSON.stringify({ databases: databases.map((db) => ({ name: db.name, title: db.config.title || db.name })) });
  router.get('/api/databases', (ctx) => ctx.send(200, list, 'application/json; charset=utf-8', { 'cache-control': 'no-cache' }));
}

// The routes of the automatic REST API, per database at /api/<name>/: the table resource, RPC functions, and the two
// API documents (Swagger 2.0 at the root, as EasyREST; OpenAPI 3.1 at openapi.json). The trailing slash is optional:
// both spellings are routes, so that a POST is never redirected.
import type { Router } from '../lib/router.ts';
import type { Context, Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { hasBody } from '../http/body.ts';
import { requestScopes } from '../http/scopes.ts';
import { VERSION } from '../version.ts';
import type { DbSchema } from './plugin.ts';
import type { RestDatabase } from './database.ts';
import { checkScope } from './permissions.ts';
import { CSV_TYPE, JSON_TYPE, readObjects, RestRequest } from './request.ts';
import { tableHandler } from './table-routes.ts';
import { toArguments } from './query.ts';
import { renderRows } from './render.ts';
import { formatCsv } from './csv.ts';
import { openApiDocument, swaggerDocument, type ApiDocOptions } from './openapi.ts';
import { registerDatabaseList } from './database-list.ts';

/**
 * Registers `GET /api/databases` (the list clients such as the table browser start from) and every database's routes;
 * throws when a database's path is already taken by another route.
 */
export function registerRestRoutes(router: Router<Handler>, databases: readonly RestDatabase[]): void {
  registerDatabaseList(router, databases);
  const taken = router.routes().map((r) => r.pattern);
  for (const db of databases) {
    const base = `/api/${db.name}`;
    const clash = taken.find((p) => p === base || p.startsWith(base + '/'));
    if (clash !== undefined) throw new Error(`REST database "${db.name}": its path ${base}/ collides with the route ${clash}; choose another name`);
    const swagger = documentHandler(db, swaggerDocument);
    router.get(base, swagger);
    router.get(base + '/', swagger);
    router.get(base + '/openapi.json', documentHandler(db, openApiDocument));
    const table = tableHandler(db);
    router.add(['GET', 'POST', 'PATCH', 'DELETE'], base + '/:table', table);
    router.add(['GET', 'POST', 'PATCH', 'DELETE'], base + '/:table/', table);
    const rpc = rpcHandler(db);
    router.post(base + '/rpc/:func', rpc);
    router.post(base + '/rpc/:func/', rpc);
  }
}

type DocumentBuilder = (schema: DbSchema, options: ApiDocOptions) => Record<string, unknown>;

/** An API document, rebuilt when the schema changed (or the host asked for differs), served without a token. */
function documentHandler(db: RestDatabase, build: DocumentBuilder): Handler {
  let cached: { schema: DbSchema; key: string; body: string } | undefined;
  return async (ctx) => {
    const schema = await db.schema();
    const host = ctx.req.headers.host ?? '';
    const tls = (ctx.req.socket as { encrypted?: boolean }).encrypted === true;
    const key = `${host}\n${tls}`;
    if (cached === undefined || cached.schema !== schema || cached.key !== key) {
      const doc = build(schema, {
        name: db.name, title: db.config.title, version: VERSION, host, schemes: [tls ? 'https' : 'http'],
        public: db.config.public, checkScope: db.checkScope, readonly: db.config.readonly,
      });
      cached = { schema, key, body: JSON.stringify(doc) };
    }
    ctx.send(200, cached.body, JSON_TYPE, { 'cache-control': 'no-cache' });
  };
}

/**
 * `POST /api/<db>/rpc/<func>/`: a JSON object (or form) of named arguments; 200 with the last statement's rows,
 * `{"changes": n}`, or a TypeScript function's value. A committed call invalidates the ETags of the tables
 * `cache_invalidation_map` lists for it — of every table when it lists none, since the function may write anywhere.
 */
function rpcHandler(db: RestDatabase): Handler {
  return async (ctx: Context) => {
    const schema = await db.schema();
    const fn = schema.functions.get(ctx.params.func);
    if (fn === undefined) throw new HttpError(404, 'unknown_function', `No function "${ctx.params.func}" in database "${db.name}"`);
    if (db.checkScope && !db.isPublicFunction(fn.name)) checkScope(requestScopes(ctx), db.name, fn.name, 'write');
    const req = new RestRequest(ctx, db, { write: true });
    let body: unknown = {};
    if (hasBody(ctx.req)) {
      const { items, single } = await readObjects(ctx);
      if (!single) throw new HttpError(400, 'invalid_body', 'A function takes one object of named arguments');
      body = items[0];
    }
    const args = toArguments(body, fn, req.resolve);
    const result = await db.plugin.callFunction(fn.name, args, req.info);
    if (db.versions !== null && req.info.tx === 'commit') db.versions.bump(db.config.cache_invalidation_map[fn.name] ?? 'all');
    const headers = req.headers();
    switch (result.kind) {
      case 'rows': {
        const rows = renderRows(result.columns, result.rows, req.timezone);
        if (req.format === 'csv') return ctx.send(200, formatCsv(result.columns.map((c) => c.name), rows), CSV_TYPE, headers);
        return ctx.send(200, JSON.stringify(rows), JSON_TYPE, headers);
      }
      case 'changes':
        return ctx.send(200, JSON.stringify({ changes: result.changes }), JSON_TYPE, headers);
      default:
        return ctx.send(200, JSON.stringify(result.value ?? null), JSON_TYPE, headers);
    }
  };
}

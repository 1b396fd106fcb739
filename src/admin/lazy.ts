// The admin API, registered at start without loading it: its routes are listed here, each behind the admin guard,
// and the admin modules (users, jobs, logs, config versions, backups, stats) load on the first request that passes it.
// A server whose admin console is never opened is spared them (~15 modules, ~10 ms of each start).
import { Router } from '../lib/router.ts';
import type { Context, Handler } from '../http/context.ts';
import { requireAdmin } from './guard.ts';
import type { AdminApi, AdminParts } from './routes.ts';

/** Every route registerAdminRoutes registers, under ADMIN_PREFIX; checked against it when the admin API loads. */
export const ADMIN_ROUTES: readonly (readonly [method: string, pattern: string])[] = [
  ['GET', '/users'], ['GET', '/users/:id'], ['POST', '/users/:id/verify'], ['PUT', '/users/:id/scopes'], ['POST', '/users/:id/revoke'],
  ['DELETE', '/users/:id'],
  ['GET', '/jobs'], ['GET', '/jobs/:id'], ['POST', '/jobs/:id/retry'], ['DELETE', '/jobs/:id'],
  ['GET', '/logs'],
  ['GET', '/config/versions'], ['GET', '/config/versions/:n'], ['GET', '/config/diff'], ['POST', '/config/rollback'],
  ['GET', '/backups'], ['POST', '/backups'], ['GET', '/backups/runs/:id'], ['GET', '/backups/:name'],
  ['GET', '/stats'], ['GET', '/stats/stream'],
];

// src/admin/routes.ts's ADMIN_PREFIX, repeated so that this file does not load that module.
const PREFIX = '/api/admin';

/**
 * Registers the admin routes on `router` (`router.routes()` lists them as registerAdminRoutes would) with handlers
 * that import the admin API once, on first use, then hand each request to it. The module is loaded once and kept:
 * later requests pay one more route lookup, no import.
 */
export function registerLazyAdminRoutes(router: Router<Handler>, parts: AdminParts): AdminApi {
  let inner: Router<Handler> | undefined;
  let loading: Promise<Router<Handler>> | undefined;
  let api: AdminApi | undefined;
  let closed = false;

  const load = async (): Promise<Router<Handler>> => {
    const { registerAdminRoutes, ADMIN_PREFIX } = await import('./routes.ts');
    const routes = new Router<Handler>();
    api = registerAdminRoutes(routes, parts);
    if (closed) api.close();
    const expected = ADMIN_ROUTES.map(([method, pattern]) => `${method} ${ADMIN_PREFIX}${pattern}`).sort();
    const registered = routes.routes().map((r) => `${r.method} ${r.pattern}`).sort();
    if (ADMIN_PREFIX !== PREFIX || expected.join('\n') !== registered.join('\n')) {
      throw new Error(`The admin route list in src/admin/lazy.ts differs from what registerAdminRoutes registers: ${registered.join(', ')}`);
    }
    inner = routes;
    return routes;
  };

  const dispatch = (routes: Router<Handler>, ctx: Context): ReturnType<Handler> => {
    // Both routers hold the same routes under the prefix, so the request finds here the route it found outside.
    const match = routes.find(ctx.method, ctx.path);
    if (match.kind !== 'found') throw new Error(`The admin API has no route for ${ctx.method} ${ctx.route}`);
    return match.handler(ctx);
  };

  const handler: Handler = (ctx) => {
    if (inner !== undefined) return dispatch(inner, ctx);
    return (loading ??= load()).then((routes) => dispatch(routes, ctx));
  };
  // The guard runs before anything loads: requests without the admin scope never load the admin API.
  const admin = router.group(PREFIX, [requireAdmin()]);
  for (const [method, pattern] of ADMIN_ROUTES) admin.add(method, pattern, handler);
  return {
    close() {
      closed = true;
      api?.close();
    },
  };
}

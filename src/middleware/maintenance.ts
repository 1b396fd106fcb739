// Maintenance mode: while `maintenance.enabled`, everything but `/api/health` and the `allow_ips` (so operators can
// check their work) gets 503 problem `maintenance` with Retry-After. Switched live with `monolite config set
// maintenance.enabled true`.
import type { Middleware } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { createAddressMatcher } from '../lib/address-list.ts';
import type { Config } from '../config/schema.ts';

type MaintenanceConfig = Config['maintenance'];

const HEALTH = '/api/health';

/** The maintenance middleware; reads its config on every request, so a reload applies at once. */
export function maintenance(config: () => MaintenanceConfig): Middleware<Handler> {
  let compiledFor: MaintenanceConfig | undefined;
  let allowed: (ip: string) => boolean = () => false;
  return (next) => (ctx) => {
    const c = config();
    if (!c.enabled || ctx.path === HEALTH) return next(ctx);
    if (c !== compiledFor) {
      allowed = createAddressMatcher(c.allow_ips, 'maintenance.allow_ips');
      compiledFor = c;
    }
    if (allowed(ctx.ip)) return next(ctx);
    throw new HttpError(503, 'maintenance', 'The service is down for maintenance; retry later', {
      headers: { 'retry-after': String(Math.ceil(c.retry_after / 1000)), 'cache-control': 'no-store' },
    });
  };
}

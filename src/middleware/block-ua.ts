// Refuses requests whose User-Agent matches `block_ua.pattern` (scanners, unwanted bots): 403, problem
// `user_agent_blocked`. The pattern is checked when the config loads and compiled once per config version.
import type { Middleware } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Config } from '../config/schema.ts';

type UaConfig = Config['block_ua'];

/** The block-ua middleware; reads its config on every request, so a reload applies at once. */
export function blockUa(config: () => UaConfig): Middleware<Handler> {
  let compiledFor: UaConfig | undefined;
  let pattern: RegExp | undefined;
  return (next) => (ctx) => {
    const c = config();
    if (!c.enabled || c.pattern === '') return next(ctx);
    if (c !== compiledFor) {
      pattern = new RegExp(c.pattern);
      compiledFor = c;
    }
    const ua = ctx.req.headers['user-agent'];
    // Long headers are cut before matching: a pattern's cost must not grow with what a client sends.
    if (ua !== undefined && pattern!.test(ua.length > 1024 ? ua.slice(0, 1024) : ua)) {
      throw new HttpError(403, 'user_agent_blocked', 'Requests from this user agent are not accepted');
    }
    return next(ctx);
  };
}

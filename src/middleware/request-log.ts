// One structured log record per request, written when the response is complete: method, route template, path (with
// query), status, bytes, duration, IP, user agent, referer, user id and request id; long fields are cut to the
// configured lengths. The outermost middleware: it renders errors itself so it records the final status.
import type { Middleware } from '../lib/router.ts';
import type { Context, Handler } from '../http/context.ts';
import { renderError } from '../http/dispatch.ts';
import type { Logger } from '../log/logger.ts';
import type { Config } from '../config/schema.ts';

type RequestLogConfig = Config['request_log'];

/** The request-log middleware; reads its config on every request, so a reload applies at once. */
export function requestLog(config: () => RequestLogConfig, log: Logger): Middleware<Handler> {
  return (next) => (ctx) => {
    const c = config();
    if (!c.enabled) return next(ctx);
    const started = performance.now();
    let pending;
    try {
      pending = next(ctx);
    } catch (err) {
      renderError(ctx, err);
    }
    if (pending === undefined) return record(ctx, c, log, started);
    return pending.then(
      () => record(ctx, c, log, started),
      (err: unknown) => {
        renderError(ctx, err);
        record(ctx, c, log, started);
      },
    );
  };
}

function record(ctx: Context, c: RequestLogConfig, log: Logger, started: number): void {
  const res = ctx.res;
  const status = res.statusCode;
  const headers = ctx.req.headers;
  const user = ctx.user as { id?: unknown } | null;
  const length = ctx.responseBytes ?? res.getHeader('content-length');
  log[status >= 500 ? 'warn' : 'info']('request', {
    method: ctx.method,
    route: ctx.route,
    path: cut(ctx.rawQuery === '' ? ctx.path : `${ctx.path}?${ctx.rawQuery}`, c.max_path),
    status,
    bytes: length === undefined ? null : Number(length), // unknown for a stream without Content-Length
    duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    ip: ctx.ip,
    user_agent: cut(headers['user-agent'] ?? '', c.max_user_agent),
    referer: cut(headers.referer ?? '', c.max_referer),
    user_id: user?.id ?? null,
    request_id: ctx.id,
  });
}

/** Cuts `text` to `max` characters, the last one an ellipsis when something was cut. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

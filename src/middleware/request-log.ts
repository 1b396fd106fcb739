// One structured record per request, written when the response is complete: method, route template, path (with
// query), status, bytes, duration, IP, user agent, referer, user id and request id; long fields are cut to the
// configured lengths. The outermost middleware: it renders errors itself so it records the final status.
import type { Middleware } from '../lib/router.ts';
import type { Context, Handler } from '../http/context.ts';
import { renderError } from '../http/dispatch.ts';
import type { RequestSink } from '../log/request-record.ts';
import type { Config } from '../config/schema.ts';

type RequestLogConfig = Config['request_log'];

/** The request-log middleware; reads its config on every request, so a reload applies at once. */
export function requestLog(config: () => RequestLogConfig, sink: RequestSink): Middleware<Handler> {
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
    if (pending === undefined) return record(ctx, c, sink, started);
    return pending.then(
      () => record(ctx, c, sink, started),
      (err: unknown) => {
        renderError(ctx, err);
        record(ctx, c, sink, started);
      },
    );
  };
}

function record(ctx: Context, c: RequestLogConfig, sink: RequestSink, started: number): void {
  const headers = ctx.req.headers;
  const length = ctx.responseBytes ?? ctx.res.getHeader('content-length');
  const userId = (ctx.user as { id?: unknown } | null)?.id;
  sink({
    time: Date.now(),
    method: ctx.method,
    route: ctx.route,
    path: cut(ctx.rawQuery === '' ? ctx.path : `${ctx.path}?${ctx.rawQuery}`, c.max_path),
    status: ctx.res.statusCode,
    bytes: length === undefined ? null : Number(length),
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    ip: ctx.ip,
    userAgent: cut(headers['user-agent'] ?? '', c.max_user_agent),
    referer: cut(headers.referer ?? '', c.max_referer),
    userId: userId == null ? null : typeof userId === 'number' ? userId : String(userId),
    requestId: ctx.id,
  });
}

/** Cuts `text` to `max` characters, the last one an ellipsis when something was cut. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

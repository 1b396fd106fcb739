// HTTP server metrics (requests by method, route template and status; latency histogram by method and route) and
// the endpoint that serves a registry to Prometheus, hidden behind an IP allow-list.
import type { Config } from '../config/schema.ts';
import type { Context, Handler } from '../http/context.ts';
import { renderError } from '../http/dispatch.ts';
import { HttpError } from '../http/errors.ts';
import { createAddressMatcher } from '../lib/address-list.ts';
import { PROMETHEUS_CONTENT_TYPE, type Registry } from '../lib/prometheus.ts';
import type { RequestWindow } from '../lib/request-window.ts';
import type { Middleware } from '../lib/router.ts';

/** The route label of requests no route matched (404, 405, OPTIONS, redirects): raw paths never become labels. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Records `http_server_requests_total{method,route,status}` and `http_server_request_duration_seconds{method,route}`
 * for every request that passes through. Errors from further down are rendered here, so the status is the final
 * one; label values come from fixed sets (methods) and registered route templates, so cardinality stays bounded.
 * `window`, when given, also counts each request for the live view of the last second (the admin stats feed).
 */
export function httpMetrics(registry: Registry, window?: RequestWindow): Middleware<Handler> {
  const requests = registry.counter({
    name: 'http_server_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'],
  });
  const duration = registry.histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Time from the request reaching the middleware to the handler returning, by method and route template.',
    labelNames: ['method', 'route'],
  });

  const record = (ctx: Context, start: number): void => {
    const end = performance.now();
    const seconds = (end - start) / 1000;
    const method = methodLabel(ctx.method);
    const route = ctx.route === '' ? UNMATCHED_ROUTE : ctx.route;
    requests.labels(method, route, ctx.res.statusCode).inc();
    duration.labels(method, route).observe(seconds);
    window?.record(seconds * 1000, ctx.res.statusCode, end);
  };

  return (next) => (ctx) => {
    const start = performance.now();
    let pending;
    try {
      pending = next(ctx);
    } catch (err) {
      renderError(ctx, err);
      record(ctx, start);
      return;
    }
    // Synchronous handlers cost no promise.
    if (pending === undefined) {
      record(ctx, start);
      return;
    }
    return pending.then(
      () => record(ctx, start),
      (err: unknown) => {
        renderError(ctx, err);
        record(ctx, start);
      },
    );
  };
}

/** The method as a label: the standard ones as they are, anything else `OTHER`. */
function methodLabel(method: string): string {
  switch (method) {
    case 'GET': case 'HEAD': case 'POST': case 'PUT': case 'PATCH': case 'DELETE': case 'OPTIONS':
      return method;
    default:
      return 'OTHER';
  }
}

export interface MetricsEndpointOptions {
  registry: Registry;
  /** The `[metrics]` settings in force, read at each request (a reload swaps the object). */
  config: () => Config['metrics'];
}

/**
 * The handler behind `[metrics] path`: the registry in the text format for allowed IPs while enabled; for everyone
 * else the same 404 as a path with no route, so the endpoint's existence is not revealed.
 */
export function metricsEndpoint(options: MetricsEndpointOptions): Handler {
  let seen: Config['metrics'] | undefined;
  let allowed: (ip: string) => boolean = () => false;
  return (ctx) => {
    const config = options.config();
    if (config !== seen) {
      allowed = createAddressMatcher(config.allow_ips, 'metrics.allow_ips');
      seen = config;
    }
    if (!config.enabled || !allowed(ctx.ip)) {
      // No route template either, so logs and the request counter also show an unmatched path.
      ctx.route = '';
      throw new HttpError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`);
    }
    ctx.send(200, options.registry.render(), PROMETHEUS_CONTENT_TYPE, { 'cache-control': 'no-store' });
  };
}

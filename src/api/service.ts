// One declared service as a route handler, built once at boot: permission check → input extraction → the app's
// handler → the checked output. Synchronous from end to end when the service has no body and its handler is sync.
import type { Context, Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Logger } from '../log/logger.ts';
import type { ServiceDef } from './definition.ts';
import { ApiRequestContext, type ApiHandler } from './context.ts';
import { thrownByHandler } from './errors.ts';
import { compileInputs, type Input } from './inputs.ts';
import { compileOutputs } from './outputs.ts';
import { scopeGuard } from './permissions.ts';
import type { BodySettings } from './request-body.ts';

export interface ServiceSettings {
  /** Maps a path parameter's client-facing name to its `ctx.params` key. */
  paramKeys: ReadonlyMap<string, string>;
  body: BodySettings;
  log: Logger;
  app: unknown;
}

/** The route handler of `service`, calling `handler`. */
export function serviceHandler(service: ServiceDef, handler: ApiHandler, settings: ServiceSettings): Handler {
  const { log, app } = settings;
  const guard = scopeGuard(service.scope, settings.paramKeys);
  const extract = compileInputs(service, settings.paramKeys, settings.body);
  const respond = compileOutputs(service, log);
  const id = service.id;
  let renamed = false;
  for (const [name, key] of settings.paramKeys) if (name !== key) renamed = true;
  const paramKeys = renamed ? settings.paramKeys : null;

  const failure = (ctx: Context, err: unknown): HttpError => {
    const known = thrownByHandler(err);
    if (known !== null) {
      if (known.status >= 500) log.error('A handler failed', { service: id, request_id: ctx.id, code: known.code, err });
      return known;
    }
    log.error('A handler threw', { service: id, request_id: ctx.id, err });
    return new HttpError(500, 'internal', `Internal server error; the log has the details under request id ${ctx.id}`);
  };

  const call = (ctx: Context, input: Input): void | Promise<void> => {
    let result: unknown;
    try {
      result = handler(input, new ApiRequestContext(ctx, app, id, paramKeys));
    } catch (err) {
      throw failure(ctx, err);
    }
    if (result instanceof Promise) {
      return result.then((value) => respond(ctx, value), (err: unknown) => {
        throw failure(ctx, err);
      });
    }
    respond(ctx, result);
  };

  return (ctx) => {
    if (guard !== null) guard(ctx);
    const input = extract(ctx);
    if (input instanceof Promise) return input.then((value) => call(ctx, value));
    return call(ctx, input);
  };
}

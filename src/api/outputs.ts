// A service's response, built once at boot: exactly the declared outputs as one JSON object (undeclared keys
// dropped), each checked against its type; a missing or mistyped output is the server's fault (500 invalid_output).
import type { Context } from '../http/context.ts';
import type { Logger } from '../log/logger.ts';
import { ApiError } from './errors.ts';
import type { ServiceDef } from './definition.ts';
import { showValue } from './types.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends a handler's result as the service's response. */
export type OutputWriter = (ctx: Context, result: unknown) => void;

/**
 * Builds the writer of `service`: 204 without `out`, else 200 with the declared outputs. A handler that answered
 * through `ctx.request` itself (a download, a stream) is left alone.
 */
export function compileOutputs(service: ServiceDef, log: Logger): OutputWriter {
  const outputs = service.outputs;
  if (outputs === null) return (ctx) => (ctx.res.headersSent ? undefined : ctx.empty(204));
  // `inherited`: a name like "toString" reads Object.prototype's function when the result lacks it; that is missing.
  const entries = outputs.map((o) => ({ ...o, quoted: JSON.stringify(o.key) + ':', inherited: o.name in Object.prototype }));
  const fail = (ctx: Context, problems: string[]): never => {
    log.error('A handler returned output that does not match its definition', { service: service.id, request_id: ctx.id, problems });
    throw new ApiError('invalid_output', `The service's output does not match its definition; the log has the details under request id ${ctx.id}`);
  };
  return (ctx, result) => {
    if (ctx.res.headersSent) return;
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      return fail(ctx, [`expected an object with ${entries.map((e) => `"${e.name}"`).join(', ')}, got ${showValue(result)}`]);
    }
    const values = result as Record<string, unknown>;
    let body = '';
    let problems: string[] | null = null;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const value = e.inherited && !Object.hasOwn(values, e.name) ? undefined : values[e.name];
      if (value === undefined) {
        if (!e.optional) (problems ??= []).push(`"${e.name}" is missing (expected ${e.type.name})`);
        continue;
      }
      let json: string | undefined;
      if (value === null && e.optional) json = 'null';
      else {
        const problem = e.type.checkOutput(value, e.name);
        if (problem !== null) {
          (problems ??= []).push(problem);
          continue;
        }
        try {
          json = JSON.stringify(value);
        } catch (err) {
          (problems ??= []).push(`${e.name}: cannot be written as JSON (${(err as Error).message})`);
          continue;
        }
        if (json === undefined) {
          (problems ??= []).push(`${e.name}: cannot be written as JSON`);
          continue;
        }
      }
      body += (body === '' ? '{' : ',') + e.quoted + json;
    }
    if (problems !== null) return fail(ctx, problems);
    ctx.send(200, body === '' ? '{}' : body + '}', JSON_TYPE);
  };
}

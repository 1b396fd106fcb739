// What a declared endpoint's handler receives besides its input: the request, who made it, the app, the raw path
// values; and the types of handlers, handler modules and uploaded files.
import type { Readable } from 'node:stream';
import type { Context } from '../http/context.ts';
import { requestScopes } from '../http/scopes.ts';
import type { CustomTypeFn } from './types.ts';

/** A `file` input: the upload, spooled to a temp file that is removed once the response is sent. */
export interface UploadedFile {
  /** The client's file name (basename only). */
  name: string;
  /** The part's Content-Type as sent (default application/octet-stream). */
  type: string;
  size: number;
  /** The temp file; move or copy it to keep the content. */
  path: string;
  /** A fresh read stream of the content. */
  stream(): Readable;
}

/** The second argument of every handler. `App` is what the server was built with (monolite's App object). */
export interface ApiContext<App = unknown> {
  /** The monolite request context (headers, ip, id, res…). */
  readonly request: Context;
  /** The authenticated user, null without a token. */
  readonly user: unknown;
  /** The token's scopes, null without a token. */
  readonly scopes: readonly string[] | null;
  /** The token's claims, null without a token. */
  readonly claims: Record<string, unknown> | null;
  readonly app: App;
  /** Path parameters by their client-facing name, raw text before type conversion (`{"id": "0042"}`). */
  readonly params: Readonly<Record<string, string>>;
  /** `METHOD /path` of the service, as in the definition. */
  readonly service: string;
}

/** A handler: `(input, ctx) => output`; throws an ApiError (or any `{status, code}` error) to fail. */
export type ApiHandler<In = any, Out = unknown, App = unknown> = (input: In, ctx: ApiContext<App>) => Out | Promise<Out>;

/** The default export of a handlers module: handlers keyed `"METHOD /path"` (the path exactly as in the definition). */
export type ApiHandlers<App = unknown> = Record<string, ApiHandler<any, unknown, App>>;

/** The named export `types` of a handlers module: custom types by name. */
export type ApiTypes = Record<string, CustomTypeFn>;

/** The ApiContext of one request; reads the request lazily so that what a handler does not use costs nothing. */
export class ApiRequestContext<App = unknown> implements ApiContext<App> {
  readonly request: Context;
  readonly app: App;
  readonly service: string;
  readonly #paramKeys: ReadonlyMap<string, string> | null;
  #params: Record<string, string> | undefined;

  /** `paramKeys` maps client-facing path parameter names to `ctx.params` keys, null when they are the same. */
  constructor(request: Context, app: App, service: string, paramKeys: ReadonlyMap<string, string> | null) {
    this.request = request;
    this.app = app;
    this.service = service;
    this.#paramKeys = paramKeys;
  }

  get user(): unknown {
    return this.request.user;
  }

  get scopes(): readonly string[] | null {
    return requestScopes(this.request);
  }

  get claims(): Record<string, unknown> | null {
    return this.request.claims;
  }

  get params(): Readonly<Record<string, string>> {
    if (this.#paramKeys === null) return this.request.params;
    if (this.#params === undefined) {
      const params: Record<string, string> = {};
      for (const [name, key] of this.#paramKeys) params[name] = this.request.params[key];
      this.#params = params;
    }
    return this.#params;
  }
}

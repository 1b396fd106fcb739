// Mounts the declared endpoints (config api.definition + api.handlers) on the router. Placeholder signature; the
// implementation lands with issue 9.
import type { Router } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import type { Logger } from '../log/logger.ts';

export interface MountApiOptions {
  /** Absolute path of the JSON definition file. */
  definitionFile: string;
  /** Absolute path of the handlers module. */
  handlersFile: string;
  /** Mount prefix ('' or "/v1"). */
  prefix: string;
  limits: { maxFileBytes: number; maxParts: number; maxFieldBytes: number };
  /** Where multipart files are spooled (removed after each request). */
  tmpDir: string;
  log: Logger;
  /** Handed to every handler as `ctx.app` (the App object). */
  app: unknown;
}

/** Loads, checks (every problem at once, thrown as one error) and registers the declared endpoints. */
export async function mountApi(_router: Router<Handler>, _options: MountApiOptions): Promise<void> {
  throw new Error('Declared endpoints are not implemented yet');
}

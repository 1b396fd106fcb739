// Mounts the declared endpoints (config api.definition + api.handlers) on the router: checks the definition against
// the handlers (every problem in one boot error), builds one handler per service and serves the OpenAPI document.
import { mkdirSync } from 'node:fs';
import type { Router } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { withBodyLimit } from '../http/dispatch.ts';
import type { Logger } from '../log/logger.ts';
import { ApiDefinitionError, checkApi } from './check.ts';
import type { ServiceDef } from './definition.ts';
import { buildOpenApi } from './openapi.ts';
import { serviceHandler } from './service.ts';
import type { BodySettings } from './request-body.ts';

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
  /** Where the OpenAPI document is served; default `<prefix>/openapi.json`, `/api/openapi.json` without a prefix. */
  openapiPath?: string;
  /** `info` of the OpenAPI document. */
  title?: string;
  version?: string;
}

/** What was mounted. */
export interface MountedApi {
  /** `METHOD /full/path` of every service, as registered. */
  routes: string[];
  openapiPath: string;
}

const ROUTER_PARAM = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Room for a part's headers and boundary, and for the preamble and epilogue, in an upload's body limit. */
const PART_OVERHEAD = 16 * 1024;
const BODY_OVERHEAD = 128 * 1024;

/** Loads, checks (every problem at once, thrown as one error) and registers the declared endpoints. */
export async function mountApi(router: Router<Handler>, options: MountApiOptions): Promise<MountedApi> {
  const checked = await checkApi(options);
  if (checked.problems.length > 0) throw new ApiDefinitionError(options, checked.problems);
  const { prefix, limits, log } = options;
  if (checked.services.some((s) => s.inputs.some((p) => p.source === 'body'))) mkdirSync(options.tmpDir, { recursive: true });

  const problems: string[] = [];
  const routes: string[] = [];
  for (const service of checked.services) {
    const paramKeys = new Map<string, string>();
    const used = new Set<string>();
    for (const s of service.segments) if (s.kind === 'param' && ROUTER_PARAM.test(s.name)) used.add(s.name);
    const pattern = '/' + service.segments.map((s) => {
      if (s.kind === 'text') return s.text;
      // The router takes identifiers; names with "-" get a stand-in key (ctx.params) and keep theirs for handlers.
      let key = s.name;
      if (!ROUTER_PARAM.test(key)) {
        let n = paramKeys.size;
        while (used.has(`p${n}`)) n++;
        key = `p${n}`;
        used.add(key);
      }
      paramKeys.set(s.name, key);
      return ':' + key;
    }).join('/');
    const full = prefix === '' ? pattern : pattern === '/' ? prefix : prefix + pattern;
    const upload = service.inputs.some((p) => p.source === 'body' && (p.type.kind === 'file' || p.type.element?.kind === 'file'));
    const body: BodySettings = {
      ...limits,
      tmpDir: options.tmpDir,
      textLimit: upload ? limits.maxFieldBytes * Math.max(1, service.inputs.filter((p) => p.source === 'body').length) + BODY_OVERHEAD : null,
      log,
    };
    let handler = serviceHandler(service, checked.handlers.get(service.id)!, { paramKeys, body, log, app: options.app });
    if (upload) handler = withBodyLimit(handler, uploadLimit(service, limits));
    try {
      router.add(service.method, full, handler);
      routes.push(`${service.method} ${full}`);
    } catch (err) {
      problems.push(`${service.id}: cannot be mounted at "${full}": ${(err as Error).message}`);
    }
  }

  const openapiPath = options.openapiPath ?? (prefix === '' ? '/api/openapi.json' : `${prefix}/openapi.json`);
  const document = Buffer.from(JSON.stringify(buildOpenApi(checked.services, { prefix, title: options.title, version: options.version })));
  try {
    router.get(openapiPath, (ctx) => ctx.send(200, document, 'application/json; charset=utf-8'));
  } catch (err) {
    problems.push(`The OpenAPI document cannot be served at "${openapiPath}": ${(err as Error).message}`);
  }
  if (problems.length > 0) throw new ApiDefinitionError(options, problems);
  log.info('Declared endpoints mounted', { services: routes.length, prefix, openapi: openapiPath });
  return { routes, openapiPath };
}

/**
 * The body limit of a service with a file input: its declared parts at their limits (a `[]` parameter may fill every
 * part), capped by max_parts parts of the larger limit.
 */
function uploadLimit(service: ServiceDef, limits: MountApiOptions['limits']): number {
  let total = BODY_OVERHEAD;
  for (const p of service.inputs) {
    if (p.source !== 'body') continue;
    const file = p.type.kind === 'file' || p.type.element?.kind === 'file';
    const part = (file ? limits.maxFileBytes : limits.maxFieldBytes) + PART_OVERHEAD;
    total += p.type.kind === 'array' ? part * limits.maxParts : part;
  }
  const cap = BODY_OVERHEAD + limits.maxParts * (Math.max(limits.maxFileBytes, limits.maxFieldBytes) + PART_OVERHEAD);
  return Math.min(total, cap, Number.MAX_SAFE_INTEGER);
}

// The OpenAPI 3.1 document of the declared endpoints, generated once from the checked definition: paths,
// parameters, request bodies (JSON, urlencoded, multipart with files), responses and bearer security with scopes.
import type { InputParam, ServiceDef } from './definition.ts';
import type { ApiType } from './types.ts';

type Schema = Record<string, unknown>;

export interface OpenApiOptions {
  /** Mount prefix of every path ('' or "/v1"). */
  prefix: string;
  title?: string;
  version?: string;
}

/** JSON Schema (2020-12, as OpenAPI 3.1 uses it) of a type. */
export function typeSchema(type: ApiType): Schema {
  switch (type.kind) {
    case 'any': return {};
    case 'bool': return { type: 'boolean' };
    case 'int': return { type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
    case 'uint': return { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
    case 'float': return { type: 'number' };
    case 'string': {
      const schema: Schema = { type: 'string' };
      if (type.minLength > 0) schema.minLength = type.minLength;
      if (type.maxLength !== Infinity) schema.maxLength = type.maxLength;
      return schema;
    }
    case 'file': return { type: 'string', contentMediaType: 'application/octet-stream' };
    case 'array': return { type: 'array', items: typeSchema(type.element!) };
    case 'map': return { type: 'object', additionalProperties: typeSchema(type.element!) };
    case 'custom': return { description: `Custom type "${type.name}"` };
  }
}

function withInfo(schema: Schema, info: string, extra: Schema = {}): Schema {
  return { ...schema, ...(info !== '' ? { description: info } : {}), ...extra };
}

function nullable(schema: Schema): Schema {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  return Object.keys(schema).length === 0 ? schema : { anyOf: [schema, { type: 'null' }] };
}

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: PROBLEM } } });

/** Whether a body parameter can be sent as a text form value (urlencoded or a multipart field). */
function textual(p: InputParam): boolean {
  const t = p.type;
  if (t.kind === 'map') return false;
  if (t.kind === 'array') return t.element!.kind !== 'array' && t.element!.kind !== 'map';
  return true;
}

function requestBody(params: InputParam[]): Schema | undefined {
  if (params.length === 0) return undefined;
  const properties: Schema = {};
  const required: string[] = [];
  for (const p of params) {
    properties[p.field] = withInfo(typeSchema(p.type), p.info, p.hasDefault ? { default: p.defaultValue } : {});
    if (!p.optional) required.push(p.field);
  }
  const schema: Schema = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  const files = params.some((p) => p.type.kind === 'file' || p.type.element?.kind === 'file');
  const content: Schema = {};
  if (!files) content['application/json'] = { schema };
  if (params.every(textual)) {
    if (!files) content['application/x-www-form-urlencoded'] = { schema };
    content['multipart/form-data'] = { schema };
  }
  return { required: required.length > 0, content };
}

function operation(service: ServiceDef): Schema {
  const op: Schema = { operationId: (service.method.toLowerCase() + service.path).replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, '') };
  if (service.info !== '') op.summary = service.info;
  const parameters = service.inputs.filter((p) => p.source !== 'body').map((p) => {
    const schema = withInfo(typeSchema(p.type), '', p.hasDefault ? { default: p.defaultValue } : {});
    return { name: p.field, in: p.source, required: !p.optional, ...(p.info !== '' ? { description: p.info } : {}), schema };
  });
  if (parameters.length > 0) op.parameters = parameters;
  const bodyParams = service.inputs.filter((p) => p.source === 'body');
  const body = requestBody(bodyParams);
  if (body !== undefined) op.requestBody = body;
  const responses: Schema = {};
  if (service.outputs === null) responses['204'] = { description: 'Done (no content)' };
  else {
    const properties: Schema = {};
    const required: string[] = [];
    for (const o of service.outputs) {
      const schema = withInfo(typeSchema(o.type), o.info);
      properties[o.key] = o.optional ? nullable(schema) : schema;
      if (!o.optional) required.push(o.key);
    }
    responses['200'] = {
      description: 'Success',
      content: { 'application/json': { schema: { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false } } },
    };
  }
  if (service.inputs.length > 0) responses['400'] = problemResponse('Missing or invalid parameters');
  if (service.scope.length > 0) {
    responses['401'] = problemResponse('No token, or an invalid one');
    responses['403'] = problemResponse('The token lacks the permissions');
    op.security = service.scope.map((all) => ({ bearer: all }));
  }
  if (bodyParams.length > 0) {
    responses['413'] = problemResponse('The body, a file or a part is too large, or there are too many parts');
    responses['415'] = problemResponse('Unsupported Content-Type');
  }
  responses['500'] = problemResponse('Server error');
  op.responses = responses;
  return op;
}

/** Builds the document. Permissions with `[id]` appear as written: the scope a request needs depends on its path. */
export function buildOpenApi(services: readonly ServiceDef[], options: OpenApiOptions): Schema {
  const paths: Record<string, Schema> = {};
  for (const service of services) {
    const path = options.prefix === '' ? service.path : service.path === '/' ? options.prefix : options.prefix + service.path;
    (paths[path] ??= {})[service.method.toLowerCase()] = operation(service);
  }
  return {
    openapi: '3.1.0',
    info: { title: options.title ?? 'API', version: options.version ?? '1.0.0' },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A session token, or an external token whose "scope" claim holds the permissions' },
      },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string', description: 'Stable snake_case error code' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
                required: ['field', 'code', 'message'],
              },
            },
          },
          required: ['type', 'title', 'status', 'code', 'detail'],
        },
      },
    },
  };
}

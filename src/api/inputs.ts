// A service's input extraction, built once at boot: path values and declared query keys converted from text (sync),
// then body parameters from JSON, urlencoded or multipart bodies (async); every bad parameter reported in one 400.
import type { Context } from '../http/context.ts';
import type { FieldError } from '../http/errors.ts';
import type { MultipartFile } from '../lib/multipart.ts';
import { ApiError } from './errors.ts';
import type { InputParam, ServiceDef } from './definition.ts';
import { MalformedText, scanQuery, type QueryValues } from './query.ts';
import { TypeMismatch } from './types.ts';
import type { UploadedFile } from './context.ts';
import { readRequestBody, type BodySettings, type RequestBody } from './request-body.ts';

export type Input = Record<string, unknown>;

/** Extracts a service's input from a request: synchronously when it has no body parameter. */
export type InputExtractor = (ctx: Context) => Input | Promise<Input>;

/**
 * Builds the extractor of `service`. `paramKeys` maps a path parameter's client-facing name to its `ctx.params` key.
 * Path and query problems are answered before the body is read (an upload is not read just to be refused).
 */
export function compileInputs(service: ServiceDef, paramKeys: ReadonlyMap<string, string>, body: BodySettings): InputExtractor {
  const path = service.inputs.filter((p) => p.source === 'path').map((p) => ({ p, key: paramKeys.get(p.field)! }));
  const query = service.inputs.filter((p) => p.source === 'query');
  const queryIndex = new Map(query.map((p, i) => [p.field, i]));
  const bodyParams = service.inputs.filter((p) => p.source === 'body');

  const fromBody = async (ctx: Context, input: Input): Promise<Input> => {
    const received = await readRequestBody(ctx, body);
    const errors = received === null ? absentAll(bodyParams, input) : assignBody(bodyParams, received, input);
    if (errors !== null) throw inputError(errors);
    return input;
  };

  return (ctx) => {
    const input: Input = {};
    let errors: FieldError[] | null = null;
    for (let i = 0; i < path.length; i++) {
      const { p, key } = path[i];
      try {
        input[p.name] = p.type.fromText(ctx.params[key], p.field);
      } catch (err) {
        errors = push(errors, invalid(p, err));
      }
    }
    if (query.length > 0) {
      const values = ctx.rawQuery === '' ? null : scanQuery(ctx.rawQuery, queryIndex, query.length);
      for (let i = 0; i < query.length; i++) {
        const error = assignText(query[i], values === null ? undefined : values[i], input);
        if (error !== null) errors = push(errors, error);
      }
    }
    if (errors !== null) throw inputError(errors);
    return bodyParams.length === 0 ? input : fromBody(ctx, input);
  };
}

function push(errors: FieldError[] | null, error: FieldError): FieldError[] {
  if (errors === null) return [error];
  errors.push(error);
  return errors;
}

function invalid(p: InputParam, err: unknown): FieldError {
  if (!(err instanceof TypeMismatch)) throw err;
  return { field: p.field, code: 'invalid_param', message: err.message };
}

function missing(p: InputParam): FieldError {
  const how = p.type.kind === 'file' || p.type.element?.kind === 'file' ? ' (send multipart/form-data)' : '';
  return { field: p.field, code: 'missing_param', message: `${p.field}: missing, expected ${p.type.name}${how}` };
}

/** The 400 for `errors`: `missing_param` when all are missing, else `invalid_param`. */
function inputError(errors: FieldError[]): ApiError {
  const fields = [...new Set(errors.map((e) => `"${e.field}"`))].join(', ');
  if (errors.every((e) => e.code === 'missing_param')) {
    return new ApiError('missing_param', `Missing parameter${errors.length === 1 ? '' : 's'} ${fields}`, { errors });
  }
  const detail = errors.length === 1 ? `Invalid parameter ${errors[0].message}` : `Missing or invalid parameters ${fields}`;
  return new ApiError('invalid_param', detail, { errors });
}

/** An absent value: the default, nothing (optional), or a missing-parameter error. */
function absent(p: InputParam, input: Input): FieldError | null {
  if (!p.optional) return missing(p);
  if (p.hasDefault) {
    const value = p.defaultValue;
    // A handler may change what it gets; the default must stay as declared for the next request.
    input[p.name] = typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }
  return null;
}

function absentAll(params: InputParam[], input: Input): FieldError[] | null {
  let errors: FieldError[] | null = null;
  for (const p of params) {
    const error = absent(p, input);
    if (error !== null) errors = push(errors, error);
  }
  return errors;
}

function malformed(p: InputParam, label: string, value: MalformedText): FieldError {
  return { field: p.field, code: 'invalid_param', message: `${label}: malformed percent-encoding in ${JSON.stringify(value.raw)}` };
}

/** Converts the text value(s) of `p` (query, urlencoded or multipart fields) into `input`. */
function assignText(p: InputParam, raw: QueryValues | undefined, input: Input): FieldError | null {
  if (raw === undefined) return absent(p, input);
  const type = p.type;
  if (type.kind === 'array') {
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.length === 1 && values[0] === '' && p.optional) return absent(p, input);
    const element = type.element!;
    const out = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v instanceof MalformedText) return malformed(p, `${p.field}[${i}]`, v);
      try {
        out[i] = element.fromText(v, `${p.field}[${i}]`);
      } catch (err) {
        return invalid(p, err);
      }
    }
    input[p.name] = out;
    return null;
  }
  if (Array.isArray(raw)) {
    return { field: p.field, code: 'invalid_param', message: `${p.field}: expected one ${type.name} value, got ${raw.length} values (only []T takes a repeated key)` };
  }
  if (raw instanceof MalformedText) return malformed(p, p.field, raw);
  if (raw === '' && p.optional && !p.emptyIsValue) return absent(p, input);
  try {
    input[p.name] = type.fromText(raw, p.field);
    return null;
  } catch (err) {
    return invalid(p, err);
  }
}

/** Converts a JSON body member into `input`: null counts as absent (for `any` it is null). */
function assignJson(p: InputParam, value: unknown, input: Input): FieldError | null {
  if (value === undefined) return absent(p, input);
  if (value === null && p.type.kind !== 'any') {
    if (p.optional) return absent(p, input);
    return { field: p.field, code: 'invalid_param', message: `${p.field}: expected ${p.type.name}, got null` };
  }
  try {
    input[p.name] = p.type.fromJson(value, p.field);
    return null;
  } catch (err) {
    return invalid(p, err);
  }
}

function uploaded(file: MultipartFile): UploadedFile {
  return { name: file.filename, type: file.type, size: file.size, path: file.path, stream: () => file.stream() };
}

function assignParts(p: InputParam, texts: string[] | undefined, files: MultipartFile[] | undefined, input: Input): FieldError | null {
  const type = p.type;
  const wantsFiles = type.kind === 'file' || (type.kind === 'array' && type.element!.kind === 'file');
  if (wantsFiles) {
    if (texts !== undefined) return { field: p.field, code: 'invalid_param', message: `${p.field}: expected ${type.name}, got a text field (a file part needs a filename)` };
    if (files === undefined) return absent(p, input);
    if (type.kind === 'file') {
      if (files.length > 1) return { field: p.field, code: 'invalid_param', message: `${p.field}: expected one file, got ${files.length} (only []file takes several)` };
      input[p.name] = uploaded(files[0]);
    } else {
      input[p.name] = files.map(uploaded);
    }
    return null;
  }
  if (files !== undefined) return { field: p.field, code: 'invalid_param', message: `${p.field}: expected ${type.name}, got a file` };
  return assignText(p, texts === undefined ? undefined : texts.length === 1 ? texts[0] : texts, input);
}

function assignBody(params: InputParam[], body: RequestBody, input: Input): FieldError[] | null {
  let errors: FieldError[] | null = null;
  for (const p of params) {
    let error: FieldError | null;
    switch (body.kind) {
      case 'json': error = assignJson(p, Object.hasOwn(body.value, p.field) ? body.value[p.field] : undefined, input); break;
      case 'form': error = assignText(p, body.value[p.field], input); break;
      case 'multipart': error = assignParts(p, body.texts.get(p.field), body.files.get(p.field), input); break;
    }
    if (error !== null) errors = push(errors, error);
  }
  return errors;
}

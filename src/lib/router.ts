// A radix-tree router: static text, `:param` and `*wildcard` segments, static beats param beats wildcard (with
// backtracking), 405 with Allow, automatic HEAD and OPTIONS, canonical-path redirects, groups with middleware.
// Generic over the handler type so that it depends on nothing but the language.

/** Wraps a handler; composed once, when a route is registered. */
export type Middleware<H> = (next: H) => H;

export type Match<H> =
  | { kind: 'found'; handler: H; params: Record<string, string>; pattern: string }
  | { kind: 'not_found' }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'options'; allow: string[] }
  | { kind: 'redirect'; path: string };

interface Route<H> {
  method: string;
  pattern: string;
  handler: H;
  paramNames: string[];
}

type RouteSet<H> = Record<string, Route<H>>;

class Node<H> {
  /** Static text this node consumes ('' for param and wildcard nodes). */
  prefix: string;
  /** First char code of `prefix`, compared before `startsWith`. */
  first: number;
  /** Static children; their prefixes start with distinct characters. */
  statics: Node<H>[] = [];
  param: Node<H> | null = null;
  wildcard: Node<H> | null = null;
  /** Routes ending at this node, by method. */
  routes: RouteSet<H> | null = null;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.first = prefix.charCodeAt(0);
  }
}

type Token = { kind: 'static'; text: string } | { kind: 'param' | 'wildcard'; name: string };

const NOT_FOUND: Match<never> = Object.freeze({ kind: 'not_found' });
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Characters kept literally in a pattern's static text; everything else is percent-encoded the way clients send it.
const PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()+,;=:@*]$/;
const HEX = '0123456789ABCDEF';

/** Registration methods shared by the router and its groups. */
abstract class Routes<H> {
  abstract add(method: string | string[], pattern: string, handler: H): void;
  abstract group(prefix: string, middleware?: Middleware<H>[]): RouteGroup<H>;
  get(pattern: string, handler: H): void { this.add('GET', pattern, handler); }
  post(pattern: string, handler: H): void { this.add('POST', pattern, handler); }
  put(pattern: string, handler: H): void { this.add('PUT', pattern, handler); }
  patch(pattern: string, handler: H): void { this.add('PATCH', pattern, handler); }
  delete(pattern: string, handler: H): void { this.add('DELETE', pattern, handler); }
}

/** Routes under a common prefix whose handlers are wrapped in the group's middleware (outermost first). */
export class RouteGroup<H> extends Routes<H> {
  #router: Router<H>;
  #prefix: string;
  #middleware: Middleware<H>[];

  constructor(router: Router<H>, prefix: string, middleware: Middleware<H>[]) {
    super();
    this.#router = router;
    this.#prefix = prefix;
    this.#middleware = middleware;
  }

  add(method: string | string[], pattern: string, handler: H): void {
    let wrapped = handler;
    for (let i = this.#middleware.length - 1; i >= 0; i--) wrapped = this.#middleware[i](wrapped);
    this.#router.add(method, joinPrefix(this.#prefix, pattern), wrapped);
  }

  group(prefix: string, middleware: Middleware<H>[] = []): RouteGroup<H> {
    return new RouteGroup(this.#router, joinPrefix(this.#prefix, prefix), [...this.#middleware, ...middleware]);
  }
}

export class Router<H> extends Routes<H> {
  #root = new Node<H>('');
  /** Fully static patterns, for a single hash lookup on the commonest requests. */
  #static = new Map<string, RouteSet<H>>();
  #list: { method: string; pattern: string }[] = [];
  /** Scratch space for param values during a lookup (lookups are synchronous, so one array suffices). */
  #values: string[] = [];

  /** Registers `handler` for `method` (or several) on `pattern`; throws on an invalid pattern or a conflict. */
  add(method: string | string[], pattern: string, handler: H): void {
    for (const m of Array.isArray(method) ? method : [method]) this.#addOne(m, pattern, handler);
  }

  group(prefix: string, middleware: Middleware<H>[] = []): RouteGroup<H> {
    return new RouteGroup(this, joinPrefix('', prefix), middleware);
  }

  /** Every registered route, in registration order. */
  routes(): { method: string; pattern: string }[] {
    return this.#list.map((r) => ({ ...r }));
  }

  /**
   * Resolves `path` (the pathname, no query) for `method`. Throws a URIError when the path's percent-encoding is
   * malformed, which callers answer with 400.
   */
  find(method: string, path: string): Match<H> {
    const set = this.#static.get(path);
    if (set !== undefined) {
      const route = pick(set, method);
      if (route !== undefined) return { kind: 'found', handler: route.handler, params: {}, pattern: route.pattern };
    }
    if (path.charCodeAt(0) !== 47 /* / */) return NOT_FOUND;
    const normal = path.indexOf('%') === -1 ? path : normalizeEscapes(path);
    if (normal.indexOf('//') !== -1 || hasDotSegment(normal)) {
      const clean = cleanPath(normal);
      return this.#resolves(method, clean) ? { kind: 'redirect', path: clean } : NOT_FOUND;
    }
    const found = this.#lookup(method, normal);
    if (found !== null) return found;
    const allow = this.#allowed(normal);
    if (allow.length > 0) return method === 'OPTIONS' ? { kind: 'options', allow } : { kind: 'method_not_allowed', allow };
    if (normal.length > 1) {
      const other = normal.endsWith('/') ? normal.slice(0, -1) : normal + '/';
      if (this.#resolves(method, other)) return { kind: 'redirect', path: other };
    }
    return NOT_FOUND;
  }

  #lookup(method: string, path: string): Match<H> | null {
    const values = this.#values;
    values.length = 0;
    const route = walk(this.#root, path, 0, method, values);
    if (route === null) return null;
    const names = route.paramNames;
    const params: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      const v = values[i];
      params[names[i]] = v.indexOf('%') === -1 ? v : decodeURIComponent(v);
    }
    return { kind: 'found', handler: route.handler, params, pattern: route.pattern };
  }

  #resolves(method: string, path: string): boolean {
    if (method === 'OPTIONS') return this.#allowed(path).length > 0;
    return walk(this.#root, path, 0, method, []) !== null;
  }

  /** The Allow list for `path`: every method of every matching route, plus HEAD for GET, plus OPTIONS. */
  #allowed(path: string): string[] {
    const methods = new Set<string>();
    collect(this.#root, path, 0, methods);
    if (methods.size === 0) return [];
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    return [...methods].sort();
  }

  #addOne(method: string, pattern: string, handler: H): void {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(method)) throw new TypeError(`Invalid HTTP method "${method}" for route "${pattern}"`);
    const tokens = parsePattern(pattern);
    let node = this.#root;
    const paramNames: string[] = [];
    for (const token of tokens) {
      if (token.kind === 'static') node = insertStatic(node, token.text);
      else if (token.kind === 'param') node = node.param ??= new Node<H>('');
      else node = node.wildcard ??= new Node<H>('');
      if (token.kind !== 'static') paramNames.push(token.name);
    }
    const routes = (node.routes ??= Object.create(null) as RouteSet<H>);
    const existing = routes[method];
    if (existing !== undefined) {
      throw new Error(`Route "${method} ${pattern}" conflicts with "${existing.method} ${existing.pattern}"`);
    }
    routes[method] = { method, pattern, handler, paramNames };
    if (tokens.length === 1 && tokens[0].kind === 'static') this.#static.set(tokens[0].text, routes);
    this.#list.push({ method, pattern });
  }
}

function pick<H>(set: RouteSet<H>, method: string): Route<H> | undefined {
  return set[method] ?? (method === 'HEAD' ? set.GET : undefined);
}

/** Depth-first match: static child, then param, then wildcard, backtracking when a branch fails. */
function walk<H>(node: Node<H>, path: string, i: number, method: string, values: string[]): Route<H> | null {
  const len = path.length;
  if (i === len) {
    if (node.routes !== null) {
      const route = pick(node.routes, method);
      if (route !== undefined) return route;
    }
  } else {
    const c = path.charCodeAt(i);
    const statics = node.statics;
    for (let k = 0; k < statics.length; k++) {
      const child = statics[k];
      if (child.first === c) {
        if (path.startsWith(child.prefix, i)) {
          const route = walk(child, path, i + child.prefix.length, method, values);
          if (route !== null) return route;
        }
        break;
      }
    }
    if (node.param !== null && c !== 47 /* / */) {
      let j = path.indexOf('/', i);
      if (j === -1) j = len;
      values.push(path.slice(i, j));
      const route = walk(node.param, path, j, method, values);
      if (route !== null) return route;
      values.pop();
    }
  }
  if (node.wildcard !== null && node.wildcard.routes !== null) {
    const route = pick(node.wildcard.routes, method);
    if (route !== undefined) {
      values.push(path.slice(i));
      return route;
    }
  }
  return null;
}

/** Adds the methods of every route matching `path` to `out` (the whole tree, no early exit). */
function collect<H>(node: Node<H>, path: string, i: number, out: Set<string>): void {
  const len = path.length;
  if (i === len) {
    if (node.routes !== null) for (const m in node.routes) out.add(m);
  } else {
    const c = path.charCodeAt(i);
    for (const child of node.statics) {
      if (child.first === c && path.startsWith(child.prefix, i)) collect(child, path, i + child.prefix.length, out);
    }
    if (node.param !== null && c !== 47) {
      const j = path.indexOf('/', i);
      collect(node.param, path, j === -1 ? len : j, out);
    }
  }
  if (node.wildcard !== null && node.wildcard.routes !== null) for (const m in node.wildcard.routes) out.add(m);
}

function insertStatic<H>(parent: Node<H>, text: string): Node<H> {
  let node = parent;
  let rest = text;
  while (rest.length > 0) {
    const first = rest.charCodeAt(0);
    const index = node.statics.findIndex((c) => c.first === first);
    if (index === -1) {
      const leaf = new Node<H>(rest);
      node.statics.push(leaf);
      return leaf;
    }
    let child = node.statics[index];
    let common = 1;
    const max = Math.min(child.prefix.length, rest.length);
    while (common < max && child.prefix.charCodeAt(common) === rest.charCodeAt(common)) common++;
    if (common < child.prefix.length) {
      // Split the child: a new node holds the shared part, the old child keeps the remainder.
      const shared = new Node<H>(child.prefix.slice(0, common));
      child.prefix = child.prefix.slice(common);
      child.first = child.prefix.charCodeAt(0);
      shared.statics.push(child);
      node.statics[index] = shared;
      child = shared;
    }
    node = child;
    rest = rest.slice(common);
  }
  return node;
}

function parsePattern(pattern: string): Token[] {
  const fail = (why: string): never => { throw new TypeError(`Invalid route pattern "${pattern}": ${why}`); };
  if (!pattern.startsWith('/')) fail('it must start with "/"');
  const segments = pattern.slice(1).split('/');
  const tokens: Token[] = [];
  let text = '/';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '' && !last) fail('empty segment ("//")');
    if (segment === '.' || segment === '..') fail(`dot segment "${segment}"`);
    const sigil = segment[0];
    if (sigil === ':' || sigil === '*') {
      const name = segment.slice(1);
      if (!PARAM_NAME.test(name)) fail(`parameter name "${name}" must match ${PARAM_NAME.source}`);
      if (sigil === '*' && !last) fail(`wildcard "${segment}" must be the last segment`);
      if (tokens.some((t) => t.kind !== 'static' && t.name === name)) fail(`parameter "${name}" appears twice`);
      tokens.push({ kind: 'static', text });
      tokens.push({ kind: sigil === ':' ? 'param' : 'wildcard', name });
      text = last ? '' : '/';
      return;
    }
    if (segment.includes(':')) fail(`":" inside segment "${segment}" (a parameter takes a whole segment)`);
    if (segment.includes('*')) fail(`"*" inside segment "${segment}" (a wildcard takes a whole segment)`);
    text += encodePatternText(segment) + (last ? '' : '/');
  });
  if (text !== '') tokens.push({ kind: 'static', text });
  return tokens.filter((t) => t.kind !== 'static' || t.text !== '');
}

/** Percent-encodes a pattern's static text as clients send it, so `/café` matches `/caf%C3%A9`. */
function encodePatternText(segment: string): string {
  let out = '';
  for (const ch of segment) out += PATH_CHAR.test(ch) ? ch : encodeURIComponent(ch);
  return out;
}

function joinPrefix(base: string, prefix: string): string {
  if (prefix !== '' && !prefix.startsWith('/')) throw new TypeError(`Invalid group prefix "${prefix}": it must start with "/"`);
  const joined = base + prefix;
  return joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function isUnreserved(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126;
}

/**
 * RFC 3986 normalization: escapes of unreserved characters are decoded (`%41` is `A`), other escapes get uppercase
 * hex and stay encoded, so `%2F` never becomes a separator. Throws a URIError on a malformed escape or bad UTF-8.
 */
function normalizeEscapes(path: string): string {
  let out = '';
  let last = 0;
  let kept = false;
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', i)) {
    const hi = hexValue(path.charCodeAt(i + 1));
    const lo = hexValue(path.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) throw new URIError(`Malformed percent-encoding "${path.slice(i, i + 3)}" at position ${i} of the path`);
    const code = hi * 16 + lo;
    out += path.slice(last, i);
    if (isUnreserved(code)) out += String.fromCharCode(code);
    else {
      out += '%' + HEX[hi] + HEX[lo];
      kept = true;
    }
    i += 3;
    last = i;
  }
  out += path.slice(last);
  if (kept) {
    try {
      decodeURIComponent(out);
    } catch {
      throw new URIError('Malformed percent-encoding in the path: the bytes are not UTF-8');
    }
  }
  return out;
}

function hasDotSegment(path: string): boolean {
  for (let i = path.indexOf('/.'); i !== -1; i = path.indexOf('/.', i + 1)) {
    let j = i + 2;
    if (path.charCodeAt(j) === 46) j++;
    if (j === path.length || path.charCodeAt(j) === 47) return true;
  }
  return false;
}

/** Removes empty and dot segments (`..` never climbs above the root); keeps a trailing slash where one was meant. */
function cleanPath(path: string): string {
  const parts = path.split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  const tail = parts[parts.length - 1];
  const slash = tail === '' || tail === '.' || tail === '..';
  const joined = '/' + out.join('/');
  return slash && out.length > 0 ? joined + '/' : joined;
}

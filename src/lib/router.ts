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
  /** Builds the params object from the raw values, with one fixed shape per route (fast to create and read). */
  makeParams: (values: string[]) => Record<string, string>;
}

/**
 * The routes ending at one node, by method. The common methods are fields, found by a switch on interned method
 * strings; a keyed lookup in a dictionary-mode object cost more than the rest of a typical lookup.
 */
class RouteSet<H> {
  GET: Route<H> | undefined = undefined;
  HEAD: Route<H> | undefined = undefined;
  POST: Route<H> | undefined = undefined;
  PUT: Route<H> | undefined = undefined;
  PATCH: Route<H> | undefined = undefined;
  DELETE: Route<H> | undefined = undefined;
  OPTIONS: Route<H> | undefined = undefined;
  other: Map<string, Route<H>> | null = null;
  all: Route<H>[] = [];

  get(method: string): Route<H> | undefined {
    switch (method) {
      case 'GET': return this.GET;
      case 'HEAD': return this.HEAD;
      case 'POST': return this.POST;
      case 'PUT': return this.PUT;
      case 'PATCH': return this.PATCH;
      case 'DELETE': return this.DELETE;
      case 'OPTIONS': return this.OPTIONS;
      default: return this.other === null ? undefined : this.other.get(method);
    }
  }

  set(route: Route<H>): void {
    switch (route.method) {
      case 'GET': this.GET = route; break;
      case 'HEAD': this.HEAD = route; break;
      case 'POST': this.POST = route; break;
      case 'PUT': this.PUT = route; break;
      case 'PATCH': this.PATCH = route; break;
      case 'DELETE': this.DELETE = route; break;
      case 'OPTIONS': this.OPTIONS = route; break;
      default: (this.other ??= new Map()).set(route.method, route);
    }
    this.all.push(route);
  }
}

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
    // -1, not NaN, for empty prefixes: NaN would turn the field into a boxed double on every node.
    this.first = prefix === '' ? -1 : prefix.charCodeAt(0);
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
   *
   * The common case costs one hash lookup (static routes) or one tree walk on the raw path. Only a miss, or a match
   * whose captured values hold `%`, a dot segment or `//`, takes the careful path: RFC 3986 normalization, dot-segment
   * cleaning, a second walk, then the 405/OPTIONS/trailing-slash answers.
   */
  find(method: string, path: string): Match<H> {
    const set = this.#static.get(path);
    if (set !== undefined) {
      const route = pick(set, method);
      if (route !== undefined) return { kind: 'found', handler: route.handler, params: {}, pattern: route.pattern };
    }
    if (path.charCodeAt(0) !== 47 /* / */) return NOT_FOUND;
    const values: string[] = []; // cheaper than truncating a reused array (`length = 0` is a runtime call)
    suspicious = false;
    sawOtherMethod = false;
    slashCandidate = false;
    const route = walk(this.#root, path, 0, method, values);
    if (route !== null && !suspicious) return { kind: 'found', handler: route.handler, params: route.makeParams(values), pattern: route.pattern };
    return this.#findCarefully(method, path, route === null && !suspicious);
  }

  #findCarefully(method: string, path: string, missedCleanly: boolean): Match<H> {
    const careful = mayNeedNormalizing(path, 1);
    const normal = careful && path.indexOf('%') !== -1 ? normalizeEscapes(path) : path;
    if (careful && (normal.indexOf('//') !== -1 || hasDotSegment(normal))) {
      const clean = cleanPath(normal);
      return this.#resolves(method, clean) ? { kind: 'redirect', path: clean } : NOT_FOUND;
    }
    // A raw path that needed no normalization and missed has been searched already.
    if (normal !== path || !missedCleanly) {
      const set = this.#static.get(normal);
      const hit = set === undefined ? undefined : pick(set, method);
      if (hit !== undefined) return { kind: 'found', handler: hit.handler, params: {}, pattern: hit.pattern };
      const values: string[] = [];
      sawOtherMethod = false;
      slashCandidate = false;
      const route = walk(this.#root, normal, 0, method, values);
      if (route !== null) {
        for (let i = 0; i < values.length; i++) if (values[i].indexOf('%') !== -1) values[i] = decodeURIComponent(values[i]);
        return { kind: 'found', handler: route.handler, params: route.makeParams(values), pattern: route.pattern };
      }
    }
    if (sawOtherMethod || method === 'OPTIONS') {
      const allow = this.#allowed(normal);
      if (allow.length > 0) return method === 'OPTIONS' ? { kind: 'options', allow } : { kind: 'method_not_allowed', allow };
    }
    // The flags come from the last walk, which was over `normal`.
    if (normal.length > 1 && slashCandidate) {
      const other = normal.endsWith('/') ? normal.slice(0, -1) : normal + '/';
      if (this.#resolves(method, other)) return { kind: 'redirect', path: other };
    }
    return NOT_FOUND;
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
    const routes = (node.routes ??= new RouteSet<H>());
    const existing = routes.get(method);
    if (existing !== undefined) {
      throw new Error(`Route "${method} ${pattern}" conflicts with "${existing.method} ${existing.pattern}"`);
    }
    routes.set({ method, pattern, handler, makeParams: paramsFactory(paramNames) });
    if (tokens.length === 1 && tokens[0].kind === 'static') this.#static.set(tokens[0].text, routes);
    this.#list.push({ method, pattern });
  }
}

/**
 * `(v) => ({ "id": v[0], "post": v[1] })` for names `id, post`: an object literal gives every params object of a route
 * the same hidden class, where assigning keys one by one would not. Names are validated identifiers (never
 * `__proto__`) and JSON-quoted, so the generated code is only ever this shape.
 */
function paramsFactory(names: string[]): (values: string[]) => Record<string, string> {
  if (names.length === 0) return () => ({});
  return new Function('v', `return {${names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(', ')}};`) as (values: string[]) => Record<string, string>;
}

function pick<H>(set: RouteSet<H>, method: string): Route<H> | undefined {
  const route = set.get(method);
  return route !== undefined || method !== 'HEAD' ? route : set.GET;
}

/**
 * Depth-first match: static child, then param, then wildcard, backtracking when a branch fails. Down a node with no
 * param or wildcard alternative it loops instead of recursing. Sets `sawOtherMethod` when the path matched a route
 * of another method (so a miss can tell 405 from 404 without a second search).
 */
let sawOtherMethod = false;
/** Set by `walk` when a captured value holds `%`, is a dot segment, or (wildcards) holds `//` or a dot segment. */
let suspicious = false;
/** Set by `walk` when the path with its trailing slash added or removed might match (checked by a real walk). */
let slashCandidate = false;

function walk<H>(start: Node<H>, path: string, from: number, method: string, values: string[]): Route<H> | null {
  const len = path.length;
  let node = start;
  let i = from;
  for (;;) {
    if (i === len) {
      if (node.routes !== null) {
        const route = pick(node.routes, method);
        if (route !== undefined) return route;
        sawOtherMethod = true;
      }
      for (let k = 0; k < node.statics.length; k++) if (node.statics[k].first === 47) slashCandidate = true;
      break;
    }
    const c = path.charCodeAt(i);
    if (c === 47 && i === len - 1 && node.routes !== null) slashCandidate = true;
    const statics = node.statics;
    let next: Node<H> | null = null;
    for (let k = 0; k < statics.length; k++) {
      const child = statics[k];
      if (child.first === c) {
        // A char loop: V8 inlines it, where startsWith(prefix, i) is a builtin call that dominated profiles.
        const prefix = child.prefix;
        const n = prefix.length;
        let m = 1;
        while (m < n && path.charCodeAt(i + m) === prefix.charCodeAt(m)) m++;
        if (m === n) next = child;
        else if (m === n - 1 && i + m === len && prefix.charCodeAt(m) === 47) slashCandidate = true;
        break;
      }
    }
    if (next !== null) {
      if (node.param === null && node.wildcard === null) {
        node = next;
        i += next.prefix.length;
        continue;
      }
      const route = walk(next, path, i + next.prefix.length, method, values);
      if (route !== null) return route;
    }
    if (node.param !== null && c !== 47 /* / */) {
      // One pass finds the segment's end and any escape in it.
      let j = i;
      for (; j < len; j++) {
        const d = path.charCodeAt(j);
        if (d === 47) break;
        if (d === 37 /* % */) suspicious = true;
      }
      if (c === 46 /* . */) suspicious = true;
      const mark = values.length;
      values.push(path.slice(i, j));
      const route = walk(node.param, path, j, method, values);
      if (route !== null) return route;
      values.length = mark;
    }
    break;
  }
  const wildcard = node.wildcard;
  if (wildcard !== null && wildcard.routes !== null) {
    const route = pick(wildcard.routes, method);
    if (route !== undefined) {
      const value = path.slice(i);
      if (mayNeedNormalizing(value, 0)) suspicious = true;
      values.push(value);
      return route;
    }
    sawOtherMethod = true;
  }
  return null;
}

/** Adds the methods of every route matching `path` to `out` (the whole tree, no early exit). */
function collect<H>(node: Node<H>, path: string, i: number, out: Set<string>): void {
  const len = path.length;
  if (i === len) {
    if (node.routes !== null) for (const r of node.routes.all) out.add(r.method);
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
  if (node.wildcard !== null && node.wildcard.routes !== null) for (const r of node.wildcard.routes.all) out.add(r.method);
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
      child.first = child.prefix === '' ? -1 : child.prefix.charCodeAt(0);
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
      if (name === '__proto__') fail('parameter name "__proto__" is reserved');
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

/**
 * One cheap pass: could `text` (a path from `start`, or a captured wildcard value from 0) hold an escape, an empty
 * segment or a dot segment? False means it certainly does not; true sends the lookup down the careful path.
 */
function mayNeedNormalizing(text: string, start: number): boolean {
  let prev = start === 0 ? 47 : text.charCodeAt(start - 1);
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 37 /* % */ || (prev === 47 /* / */ && (c === 47 || c === 46 /* . */))) return true;
    prev = c;
  }
  return false;
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

// The shared router conformance table: suites of (route list, lookups, expected match) as plain data, so every
// test that routes (the Router unit test, HTTP tests, benchmarks) checks the same behaviour. No test code here.

/** One registered route; `handler` is a string id, unique within its suite (the table is for a Router<string>). */
export interface RouteSpec {
  method: string | string[];
  pattern: string;
  handler: string;
}

/** The expected `find` result. A found match's `pattern` is the pattern of the route whose handler is `handler`. */
export type ExpectedMatch =
  | { kind: 'found'; handler: string; params: Record<string, string> }
  | { kind: 'not_found' }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'options'; allow: string[] }
  | { kind: 'redirect'; path: string };

/** One lookup: `find(method, path)` either returns `expect` or throws the built-in error class named by `throws`. */
export type RouterCase =
  | { name: string; method: string; path: string; expect: ExpectedMatch }
  | { name: string; method: string; path: string; throws: 'URIError' };

/** Routes registered (in order) on a fresh router, and the lookups made against it. */
export interface RouterSuite {
  name: string;
  routes: RouteSpec[];
  cases: RouterCase[];
}

const found = (handler: string, params: Record<string, string> = {}): ExpectedMatch =>
  ({ kind: 'found', handler, params });
const notFound: ExpectedMatch = { kind: 'not_found' };
const notAllowed = (...allow: string[]): ExpectedMatch => ({ kind: 'method_not_allowed', allow });
const options = (...allow: string[]): ExpectedMatch => ({ kind: 'options', allow });
const redirect = (path: string): ExpectedMatch => ({ kind: 'redirect', path });

// Long inputs, built once: 2000 segments is ~4 KB (~8 KB with longer segments); 16 KB is Node's default header limit.
const xSegments2000 = Array.from({ length: 2000 }, () => 'x').join('/');
const abcSegments2000 = Array.from({ length: 2000 }, () => 'abc').join('/');
const xSegments8000 = Array.from({ length: 8000 }, () => 'x').join('/');

export const routerSuites: RouterSuite[] = [
  {
    name: 'static, params and wildcards with priority and backtracking',
    routes: [
      { method: 'GET', pattern: '/', handler: 'root' },
      { method: 'GET', pattern: '/users', handler: 'users.list' },
      { method: 'POST', pattern: '/users', handler: 'users.create' },
      { method: 'GET', pattern: '/users/new', handler: 'users.new' },
      { method: 'GET', pattern: '/users/:id', handler: 'users.show' },
      { method: 'PUT', pattern: '/users/:id', handler: 'users.update' },
      { method: 'DELETE', pattern: '/users/:id', handler: 'users.delete' },
      { method: 'GET', pattern: '/users/:id/posts', handler: 'users.posts' },
      { method: 'GET', pattern: '/users/:id/posts/:postId', handler: 'users.post' },
      { method: 'POST', pattern: '/orders/export', handler: 'orders.export' },
      { method: 'GET', pattern: '/orders/:id', handler: 'orders.show' },
      { method: 'DELETE', pattern: '/orders/:id', handler: 'orders.delete' },
      { method: 'GET', pattern: '/files/readme', handler: 'files.readme' },
      { method: 'GET', pattern: '/files/:name/meta', handler: 'files.meta' },
      { method: 'GET', pattern: '/files/*path', handler: 'files.any' },
      { method: 'GET', pattern: '/orgs/:org', handler: 'orgs.show' },
      { method: 'DELETE', pattern: '/orgs/:orgId', handler: 'orgs.delete' },
      { method: 'GET', pattern: '/orgs/:orgId/members', handler: 'orgs.members' },
    ],
    cases: [
      { name: 'root', method: 'GET', path: '/', expect: found('root') },
      { name: 'static route', method: 'GET', path: '/users', expect: found('users.list') },
      { name: 'same path, other method', method: 'POST', path: '/users', expect: found('users.create') },
      { name: 'static beats param', method: 'GET', path: '/users/new', expect: found('users.new') },
      { name: 'param', method: 'GET', path: '/users/42', expect: found('users.show', { id: '42' }) },
      { name: 'param containing dots', method: 'GET', path: '/users/a.b.c', expect: found('users.show', { id: 'a.b.c' }) },
      { name: 'param route of another method', method: 'PUT', path: '/users/42', expect: found('users.update', { id: '42' }) },
      { name: 'backtracks from static to param', method: 'GET', path: '/users/new/posts', expect: found('users.posts', { id: 'new' }) },
      { name: 'nested params', method: 'GET', path: '/users/7/posts/99', expect: found('users.post', { id: '7', postId: '99' }) },
      { name: 'backtracks into nested params', method: 'GET', path: '/users/new/posts/5', expect: found('users.post', { id: 'new', postId: '5' }) },
      { name: 'backtracks per method (static has GET only)', method: 'PUT', path: '/users/new', expect: found('users.update', { id: 'new' }) },
      { name: 'backtracks per method (static has POST only)', method: 'GET', path: '/orders/export', expect: found('orders.show', { id: 'export' }) },
      { name: 'static POST-only route', method: 'POST', path: '/orders/export', expect: found('orders.export') },
      { name: '405 lists methods of the param route', method: 'PATCH', path: '/users/42', expect: notAllowed('DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT') },
      { name: '405 allow is the union of every matching route', method: 'PATCH', path: '/orders/export', expect: notAllowed('DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST') },
      { name: '405 on a param-only path', method: 'PATCH', path: '/orders/5', expect: notAllowed('DELETE', 'GET', 'HEAD', 'OPTIONS') },
      { name: 'param never matches an empty segment', method: 'GET', path: '/orders/', expect: notFound },
      { name: 'unknown path', method: 'GET', path: '/nope', expect: notFound },
      { name: 'unknown deeper path', method: 'GET', path: '/users/42/comments', expect: notFound },
      { name: 'paths are case-sensitive', method: 'GET', path: '/USERS', expect: notFound },
      { name: 'static beats wildcard', method: 'GET', path: '/files/readme', expect: found('files.readme') },
      { name: 'param beats wildcard', method: 'GET', path: '/files/a/meta', expect: found('files.meta', { name: 'a' }) },
      { name: 'param with dots before a static tail', method: 'GET', path: '/files/a.b.c/meta', expect: found('files.meta', { name: 'a.b.c' }) },
      { name: 'backtracks from static to param before wildcard', method: 'GET', path: '/files/readme/meta', expect: found('files.meta', { name: 'readme' }) },
      { name: 'backtracks from param to wildcard', method: 'GET', path: '/files/a/other', expect: found('files.any', { path: 'a/other' }) },
      { name: 'wildcard spans slashes', method: 'GET', path: '/files/a/b/c.txt', expect: found('files.any', { path: 'a/b/c.txt' }) },
      { name: 'wildcard keeps a trailing slash', method: 'GET', path: '/files/readme/', expect: found('files.any', { path: 'readme/' }) },
      { name: 'empty wildcard', method: 'GET', path: '/files/', expect: found('files.any', { path: '' }) },
      { name: 'wildcard parent without slash redirects to the empty wildcard', method: 'GET', path: '/files', expect: redirect('/files/') },
      { name: '405 on a wildcard route', method: 'POST', path: '/files/x', expect: notAllowed('GET', 'HEAD', 'OPTIONS') },
      { name: 'param name of the GET route', method: 'GET', path: '/orgs/acme', expect: found('orgs.show', { org: 'acme' }) },
      { name: 'param name of the DELETE route on the same shape', method: 'DELETE', path: '/orgs/acme', expect: found('orgs.delete', { orgId: 'acme' }) },
      { name: 'param name of a deeper route at the same position', method: 'GET', path: '/orgs/acme/members', expect: found('orgs.members', { orgId: 'acme' }) },
    ],
  },
  {
    name: 'trailing slash',
    routes: [
      { method: 'GET', pattern: '/', handler: 'root' },
      { method: 'GET', pattern: '/about', handler: 'about' },
      { method: 'GET', pattern: '/docs/', handler: 'docs' },
      { method: 'GET', pattern: '/blog/:slug', handler: 'blog.post' },
      { method: 'POST', pattern: '/forms/', handler: 'forms.submit' },
      { method: 'GET', pattern: '/both', handler: 'both.bare' },
      { method: 'GET', pattern: '/both/', handler: 'both.slash' },
    ],
    cases: [
      { name: 'root is never stripped', method: 'GET', path: '/', expect: found('root') },
      { name: 'extra slash redirects to the bare route', method: 'GET', path: '/about/', expect: redirect('/about') },
      { name: 'missing slash redirects to the slash route', method: 'GET', path: '/docs', expect: redirect('/docs/') },
      { name: 'slash route', method: 'GET', path: '/docs/', expect: found('docs') },
      { name: 'extra slash after a param redirects', method: 'GET', path: '/blog/hello/', expect: redirect('/blog/hello') },
      { name: 'redirect keeps UTF-8 escapes encoded', method: 'GET', path: '/blog/caf%C3%A9/', expect: redirect('/blog/caf%C3%A9') },
      { name: 'redirect keeps %2F encoded', method: 'GET', path: '/blog/a%2Fb/', expect: redirect('/blog/a%2Fb') },
      { name: 'param never matches empty, no redirect target', method: 'GET', path: '/blog/', expect: notFound },
      { name: 'bare and slash routes are different (bare)', method: 'GET', path: '/both', expect: found('both.bare') },
      { name: 'bare and slash routes are different (slash)', method: 'GET', path: '/both/', expect: found('both.slash') },
      { name: 'no redirect when the other form lacks the method', method: 'POST', path: '/about/', expect: notFound },
      { name: 'no redirect to a slash route of another method', method: 'GET', path: '/forms', expect: notFound },
      { name: 'redirect for a non-GET method', method: 'POST', path: '/forms', expect: redirect('/forms/') },
      { name: 'HEAD redirects like GET', method: 'HEAD', path: '/about/', expect: redirect('/about') },
      { name: 'OPTIONS redirects when the other form has routes', method: 'OPTIONS', path: '/about/', expect: redirect('/about') },
    ],
  },
  {
    name: 'percent-encoding',
    routes: [
      { method: 'GET', pattern: '/users/A', handler: 'users.A' },
      { method: 'GET', pattern: '/users/:id', handler: 'users.show' },
      { method: 'GET', pattern: '/a/b', handler: 'ab' },
      { method: 'GET', pattern: '/files/:name', handler: 'files.show' },
      { method: 'GET', pattern: '/raw/*rest', handler: 'raw' },
    ],
    cases: [
      { name: 'encoded unreserved letter matches static', method: 'GET', path: '/users/%41', expect: found('users.A') },
      { name: 'encoded lowercase letter is a param', method: 'GET', path: '/users/%61', expect: found('users.show', { id: 'a' }) },
      { name: 'encoded tilde (uppercase hex)', method: 'GET', path: '/users/%7Euser', expect: found('users.show', { id: '~user' }) },
      { name: 'encoded tilde (lowercase hex)', method: 'GET', path: '/users/%7euser', expect: found('users.show', { id: '~user' }) },
      { name: 'encoded unreserved in static segments', method: 'GET', path: '/%61/%62', expect: found('ab') },
      { name: '%2F is not a separator', method: 'GET', path: '/a%2Fb', expect: notFound },
      { name: '%2f is not a separator', method: 'GET', path: '/a%2fb', expect: notFound },
      { name: 'encoded slash alone is a param value', method: 'GET', path: '/users/%2F', expect: found('users.show', { id: '/' }) },
      { name: 'param decodes %2F', method: 'GET', path: '/files/a%2Fb', expect: found('files.show', { name: 'a/b' }) },
      { name: 'param decodes %2f', method: 'GET', path: '/files/a%2fb', expect: found('files.show', { name: 'a/b' }) },
      { name: 'param decodes an encoded dot', method: 'GET', path: '/files/a%2Eb', expect: found('files.show', { name: 'a.b' }) },
      { name: 'param decodes UTF-8', method: 'GET', path: '/files/caf%C3%A9', expect: found('files.show', { name: 'café' }) },
      { name: 'param decodes lowercase-hex UTF-8', method: 'GET', path: '/files/caf%c3%a9', expect: found('files.show', { name: 'café' }) },
      { name: 'param decodes a 3-byte character', method: 'GET', path: '/files/%E2%9C%93', expect: found('files.show', { name: '✓' }) },
      { name: 'param decodes a 4-byte character', method: 'GET', path: '/files/%F0%9F%98%80', expect: found('files.show', { name: '😀' }) },
      { name: 'param decodes a space', method: 'GET', path: '/files/hello%20world', expect: found('files.show', { name: 'hello world' }) },
      { name: 'plus is not a space in a path', method: 'GET', path: '/files/a+b', expect: found('files.show', { name: 'a+b' }) },
      { name: 'encoded percent', method: 'GET', path: '/files/100%25', expect: found('files.show', { name: '100%' }) },
      { name: 'decoded exactly once', method: 'GET', path: '/files/%2541', expect: found('files.show', { name: '%41' }) },
      { name: 'wildcard decodes %2F', method: 'GET', path: '/raw/x%2Fy/z', expect: found('raw', { rest: 'x/y/z' }) },
      { name: 'wildcard decodes UTF-8', method: 'GET', path: '/raw/%E6%97%A5%E6%9C%AC', expect: found('raw', { rest: '日本' }) },
      { name: 'malformed escape (non-hex)', method: 'GET', path: '/files/%zz', throws: 'URIError' },
      { name: 'malformed escape (one digit)', method: 'GET', path: '/files/%4', throws: 'URIError' },
      { name: 'malformed escape (lone percent at the end)', method: 'GET', path: '/files/50%', throws: 'URIError' },
      { name: 'invalid UTF-8', method: 'GET', path: '/files/%C3%28', throws: 'URIError' },
      { name: 'malformed escape on a path with no route', method: 'GET', path: '/nowhere/%zz', throws: 'URIError' },
      { name: 'invalid UTF-8 on a path with no route', method: 'GET', path: '/nowhere/%C3%28', throws: 'URIError' },
      { name: 'truncated UTF-8 in a static segment', method: 'GET', path: '/a/%C3', throws: 'URIError' },
    ],
  },
  {
    name: 'path cleaning',
    routes: [
      { method: 'GET', pattern: '/', handler: 'root' },
      { method: 'GET', pattern: '/a/b', handler: 'ab' },
      { method: 'GET', pattern: '/a/c', handler: 'ac' },
      { method: 'GET', pattern: '/docs/:page', handler: 'docs' },
      { method: 'POST', pattern: '/submit', handler: 'submit' },
    ],
    cases: [
      { name: 'double slash inside', method: 'GET', path: '/a//b', expect: redirect('/a/b') },
      { name: 'double slash at the start', method: 'GET', path: '//a/b', expect: redirect('/a/b') },
      { name: 'only slashes redirect to root', method: 'GET', path: '//', expect: redirect('/') },
      { name: 'dot segment', method: 'GET', path: '/a/./b', expect: redirect('/a/b') },
      { name: 'dot-dot segment', method: 'GET', path: '/a/b/../c', expect: redirect('/a/c') },
      { name: 'encoded dot (lowercase)', method: 'GET', path: '/a/%2e/b', expect: redirect('/a/b') },
      { name: 'encoded dot-dot (uppercase)', method: 'GET', path: '/a/%2E%2E/a/b', expect: redirect('/a/b') },
      { name: 'half-encoded dot-dot', method: 'GET', path: '/a/.%2E/a/c', expect: redirect('/a/c') },
      { name: 'dot-dot above root stays at root', method: 'GET', path: '/../a/b', expect: redirect('/a/b') },
      { name: 'many dot-dots above root', method: 'GET', path: '/../../../a/c', expect: redirect('/a/c') },
      { name: 'dot-dot out of a param route', method: 'GET', path: '/docs/%2e%2e/a/b', expect: redirect('/a/b') },
      { name: 'dot-dot back into a param route', method: 'GET', path: '/docs/../docs/intro', expect: redirect('/docs/intro') },
      { name: 'redirect keeps %2F encoded', method: 'GET', path: '/docs/./a%2Fb', expect: redirect('/docs/a%2Fb') },
      { name: 'redirect keeps UTF-8 escapes', method: 'GET', path: '/docs/./caf%C3%A9', expect: redirect('/docs/caf%C3%A9') },
      { name: 'HEAD redirects like GET', method: 'HEAD', path: '/a//b', expect: redirect('/a/b') },
      { name: 'OPTIONS redirects when the cleaned path has routes', method: 'OPTIONS', path: '/a/./b', expect: redirect('/a/b') },
      { name: 'cleaned path without a route', method: 'GET', path: '/x//y', expect: notFound },
      { name: 'dot-dot to a path without a route', method: 'GET', path: '/x/../y', expect: notFound },
      { name: 'cleaned path without a route for the method', method: 'POST', path: '/a//b', expect: notFound },
      { name: 'a dot inside a segment is not a dot segment', method: 'GET', path: '/docs/a%2e', expect: found('docs', { page: 'a.' }) },
      { name: 'leading dot is ordinary', method: 'GET', path: '/docs/.hidden', expect: found('docs', { page: '.hidden' }) },
      { name: 'three dots is ordinary', method: 'GET', path: '/docs/...', expect: found('docs', { page: '...' }) },
      { name: 'trailing slash on a POST route', method: 'POST', path: '/submit/', expect: redirect('/submit') },
      { name: 'relative path', method: 'GET', path: 'a/b', expect: notFound },
      { name: 'empty path', method: 'GET', path: '', expect: notFound },
      { name: 'asterisk-form', method: 'OPTIONS', path: '*', expect: notFound },
    ],
  },
  {
    name: 'methods: 405, HEAD, OPTIONS, custom',
    routes: [
      { method: 'GET', pattern: '/items', handler: 'items.list' },
      { method: 'POST', pattern: '/items', handler: 'items.create' },
      { method: 'GET', pattern: '/items/:id', handler: 'items.show' },
      { method: 'HEAD', pattern: '/items/:id', handler: 'items.head' },
      { method: 'DELETE', pattern: '/items/:id', handler: 'items.delete' },
      { method: 'GET', pattern: '/cors', handler: 'cors.get' },
      { method: 'OPTIONS', pattern: '/cors', handler: 'cors.options' },
      { method: 'PROPFIND', pattern: '/dav/*path', handler: 'dav.propfind' },
      { method: ['PUT', 'PATCH'], pattern: '/things/:id', handler: 'things.write' },
      { method: 'POST', pattern: '/only-post', handler: 'onlypost' },
      { method: 'GET', pattern: '/mix/:id', handler: 'mix.show' },
      { method: 'POST', pattern: '/mix/*rest', handler: 'mix.rest' },
      { method: 'PUT', pattern: '/mix/static', handler: 'mix.static' },
    ],
    cases: [
      { name: 'HEAD falls back to GET', method: 'HEAD', path: '/items', expect: found('items.list') },
      { name: 'explicit HEAD wins over GET', method: 'HEAD', path: '/items/5', expect: found('items.head', { id: '5' }) },
      { name: 'HEAD falls back to GET next to an explicit OPTIONS', method: 'HEAD', path: '/cors', expect: found('cors.get') },
      { name: '405 on a static path', method: 'PUT', path: '/items', expect: notAllowed('GET', 'HEAD', 'OPTIONS', 'POST') },
      { name: '405 lists an explicit HEAD once', method: 'PATCH', path: '/items/5', expect: notAllowed('DELETE', 'GET', 'HEAD', 'OPTIONS') },
      { name: 'automatic OPTIONS on a static path', method: 'OPTIONS', path: '/items', expect: options('GET', 'HEAD', 'OPTIONS', 'POST') },
      { name: 'automatic OPTIONS on a param path', method: 'OPTIONS', path: '/items/5', expect: options('DELETE', 'GET', 'HEAD', 'OPTIONS') },
      { name: 'explicit OPTIONS wins', method: 'OPTIONS', path: '/cors', expect: found('cors.options') },
      { name: 'OPTIONS on an unknown path', method: 'OPTIONS', path: '/nowhere', expect: notFound },
      { name: 'DELETE on an unknown path', method: 'DELETE', path: '/nowhere', expect: notFound },
      { name: 'custom method', method: 'PROPFIND', path: '/dav/a/b', expect: found('dav.propfind', { path: 'a/b' }) },
      { name: '405 lists a custom method', method: 'GET', path: '/dav/x', expect: notAllowed('OPTIONS', 'PROPFIND') },
      { name: 'methods are case-sensitive (custom)', method: 'propfind', path: '/dav/x', expect: notAllowed('OPTIONS', 'PROPFIND') },
      { name: 'methods are case-sensitive (GET)', method: 'get', path: '/items', expect: notAllowed('GET', 'HEAD', 'OPTIONS', 'POST') },
      { name: 'route registered for several methods (PUT)', method: 'PUT', path: '/things/1', expect: found('things.write', { id: '1' }) },
      { name: 'route registered for several methods (PATCH)', method: 'PATCH', path: '/things/1', expect: found('things.write', { id: '1' }) },
      { name: '405 without GET has no HEAD', method: 'GET', path: '/things/1', expect: notAllowed('OPTIONS', 'PATCH', 'PUT') },
      { name: 'HEAD without GET is 405', method: 'HEAD', path: '/only-post', expect: notAllowed('OPTIONS', 'POST') },
      { name: 'automatic OPTIONS without GET', method: 'OPTIONS', path: '/only-post', expect: options('OPTIONS', 'POST') },
      { name: 'GET backtracks from static to param', method: 'GET', path: '/mix/static', expect: found('mix.show', { id: 'static' }) },
      { name: 'POST backtracks from static and param to wildcard', method: 'POST', path: '/mix/static', expect: found('mix.rest', { rest: 'static' }) },
      { name: 'PUT takes the static route', method: 'PUT', path: '/mix/static', expect: found('mix.static') },
      { name: '405 unions static, param and wildcard routes', method: 'PATCH', path: '/mix/static', expect: notAllowed('GET', 'HEAD', 'OPTIONS', 'POST', 'PUT') },
      { name: '405 unions param and wildcard routes', method: 'PATCH', path: '/mix/a', expect: notAllowed('GET', 'HEAD', 'OPTIONS', 'POST') },
      { name: '405 from the wildcard route only', method: 'PATCH', path: '/mix/a/b', expect: notAllowed('OPTIONS', 'POST') },
      { name: 'automatic OPTIONS unions every matching route', method: 'OPTIONS', path: '/mix/static', expect: options('GET', 'HEAD', 'OPTIONS', 'POST', 'PUT') },
      { name: 'automatic OPTIONS on an empty wildcard', method: 'OPTIONS', path: '/mix/', expect: options('OPTIONS', 'POST') },
    ],
  },
  {
    name: 'explicit OPTIONS catch-all (CORS preflight)',
    routes: [
      { method: 'GET', pattern: '/users', handler: 'users.list' },
      { method: 'GET', pattern: '/users/:id', handler: 'users.show' },
      { method: 'OPTIONS', pattern: '/*any', handler: 'preflight' },
    ],
    cases: [
      { name: 'OPTIONS backtracks from a static GET route to the OPTIONS wildcard', method: 'OPTIONS', path: '/users', expect: found('preflight', { any: 'users' }) },
      { name: 'OPTIONS backtracks from a param GET route to the OPTIONS wildcard', method: 'OPTIONS', path: '/users/5', expect: found('preflight', { any: 'users/5' }) },
      { name: 'OPTIONS on a path only the wildcard matches', method: 'OPTIONS', path: '/nothing/here', expect: found('preflight', { any: 'nothing/here' }) },
      { name: 'GET is unaffected', method: 'GET', path: '/users/5', expect: found('users.show', { id: '5' }) },
      { name: '405 allow includes the OPTIONS wildcard', method: 'POST', path: '/users', expect: notAllowed('GET', 'HEAD', 'OPTIONS') },
      { name: '405 from the OPTIONS wildcard alone', method: 'GET', path: '/nothing', expect: notAllowed('OPTIONS') },
    ],
  },
  {
    name: 'catch-all wildcard',
    routes: [
      { method: 'GET', pattern: '/*path', handler: 'catch' },
      { method: 'GET', pattern: '/health', handler: 'health' },
      { method: 'GET', pattern: '/assets/:name', handler: 'assets' },
    ],
    cases: [
      { name: 'root is an empty catch-all', method: 'GET', path: '/', expect: found('catch', { path: '' }) },
      { name: 'static beats catch-all', method: 'GET', path: '/health', expect: found('health') },
      { name: 'trailing slash is caught, not redirected', method: 'GET', path: '/health/', expect: found('catch', { path: 'health/' }) },
      { name: 'below a static route', method: 'GET', path: '/health/x', expect: found('catch', { path: 'health/x' }) },
      { name: 'param beats catch-all', method: 'GET', path: '/assets/app.css', expect: found('assets', { name: 'app.css' }) },
      { name: 'empty param falls back to catch-all', method: 'GET', path: '/assets/', expect: found('catch', { path: 'assets/' }) },
      { name: 'param parent falls to catch-all', method: 'GET', path: '/assets', expect: found('catch', { path: 'assets' }) },
      { name: 'deep path', method: 'GET', path: '/a/b/c', expect: found('catch', { path: 'a/b/c' }) },
      { name: 'decoded unicode', method: 'GET', path: '/caf%C3%A9/%F0%9F%98%80', expect: found('catch', { path: 'café/😀' }) },
      { name: '405 everywhere for other methods', method: 'POST', path: '/x', expect: notAllowed('GET', 'HEAD', 'OPTIONS') },
      { name: 'dot-dot is cleaned, not caught', method: 'GET', path: '/%2e%2e/etc', expect: redirect('/etc') },
      { name: 'double slash is cleaned, not caught', method: 'GET', path: '/x//y', expect: redirect('/x/y') },
    ],
  },
  {
    name: 'root next to a catch-all',
    routes: [
      { method: 'GET', pattern: '/', handler: 'root' },
      { method: 'GET', pattern: '/*path', handler: 'catch' },
    ],
    cases: [
      { name: 'root route beats the empty catch-all', method: 'GET', path: '/', expect: found('root') },
      { name: 'other paths are caught', method: 'GET', path: '/x', expect: found('catch', { path: 'x' }) },
    ],
  },
  {
    name: 'long paths',
    routes: [
      { method: 'GET', pattern: '/deep/*rest', handler: 'deep' },
      { method: 'GET', pattern: '/s/:seg', handler: 'seg' },
      { method: 'GET', pattern: '/p/:a/:b/:c/:d/:e/:f/:g/:h', handler: 'eight' },
    ],
    cases: [
      { name: 'eight params', method: 'GET', path: '/p/1/2/3/4/5/6/7/8', expect: found('eight', { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6', g: '7', h: '8' }) },
      { name: 'wildcard over 2000 segments', method: 'GET', path: `/deep/${xSegments2000}`, expect: found('deep', { rest: xSegments2000 }) },
      { name: 'wildcard over 2000 segments, 8 KB', method: 'GET', path: `/deep/${abcSegments2000}`, expect: found('deep', { rest: abcSegments2000 }) },
      { name: 'wildcard over 8000 segments, 16 KB', method: 'GET', path: `/deep/${xSegments8000}`, expect: found('deep', { rest: xSegments8000 }) },
      { name: '8 KB param', method: 'GET', path: `/s/${'a'.repeat(8192)}`, expect: found('seg', { seg: 'a'.repeat(8192) }) },
      { name: '8 KB of escapes in a param', method: 'GET', path: `/s/${'%C3%A9'.repeat(1400)}`, expect: found('seg', { seg: 'é'.repeat(1400) }) },
      { name: '2000 segments matching nothing', method: 'GET', path: `/p/${abcSegments2000}`, expect: notFound },
      { name: '1000 dot-dot pairs', method: 'GET', path: `${'/a/..'.repeat(1000)}/deep/x`, expect: redirect('/deep/x') },
      { name: '2000 double slashes', method: 'GET', path: `/deep${'//x'.repeat(2000)}`, expect: redirect(`/deep/${xSegments2000}`) },
    ],
  },
];

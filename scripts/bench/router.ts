// Router benchmark: lookups/s of monolite's Router next to find-my-way (the peer), same route table and same lookups,
// in alternating rounds of one run, printed as ops/s and the ratio monolite/find-my-way. Not a test.
import { requirePeer } from './peers.ts';
import { alternateRounds, median } from './rounds.ts';
import { Router } from '../../src/lib/router.ts';

/** The part of find-my-way's API used here (the package ships its own types, but only scripts/bench installs it). */
interface FindMyWayRouter {
  on(method: string, path: string, handler: () => void, store: { id: number }): void;
  find(method: string, path: string): { store: { id: number }; params: Record<string, string | undefined> } | null;
}

// A REST API with nested resources, auth, search and table endpoints, plus static files and an admin console.
const ROUTES: [method: string, pattern: string][] = [
  ['GET', '/'],
  ['GET', '/health'],
  ['GET', '/metrics'],
  ['GET', '/favicon.ico'],
  ['GET', '/robots.txt'],
  ['GET', '/assets/*file'],
  ['GET', '/docs/*page'],
  ['GET', '/admin'],
  ['GET', '/admin/*path'],
  ['POST', '/api/auth/login'],
  ['POST', '/api/auth/logout'],
  ['POST', '/api/auth/refresh'],
  ['POST', '/api/auth/register'],
  ['GET', '/api/me'],
  ['PATCH', '/api/me'],
  ['GET', '/api/search'],
  ['GET', '/api/users'],
  ['POST', '/api/users'],
  ['GET', '/api/users/:id'],
  ['PUT', '/api/users/:id'],
  ['DELETE', '/api/users/:id'],
  ['GET', '/api/users/:id/posts'],
  ['GET', '/api/users/:id/posts/:postId'],
  ['GET', '/api/users/:id/followers'],
  ['GET', '/api/posts'],
  ['POST', '/api/posts'],
  ['GET', '/api/posts/:id'],
  ['PATCH', '/api/posts/:id'],
  ['DELETE', '/api/posts/:id'],
  ['GET', '/api/posts/:id/comments'],
  ['POST', '/api/posts/:id/comments'],
  ['GET', '/api/posts/:id/comments/:commentId'],
  ['GET', '/api/orgs/:org/members'],
  ['GET', '/api/orgs/:org/repos'],
  ['GET', '/api/orgs/:org/repos/:repo'],
  ['GET', '/api/orgs/:org/repos/:repo/issues'],
  ['GET', '/api/orgs/:org/repos/:repo/issues/:number'],
  ['GET', '/api/tables/:db/:table'],
  ['POST', '/api/tables/:db/:table'],
  ['GET', '/api/tables/:db/:table/:id'],
  ['PATCH', '/api/tables/:db/:table/:id'],
];

// What a server sees: mostly hits across every route kind, some misses. Both routers get exactly these.
const LOOKUPS: [method: string, path: string][] = [
  ['GET', '/'],
  ['GET', '/health'],
  ['GET', '/favicon.ico'],
  ['GET', '/assets/js/app.min.js'],
  ['GET', '/assets/css/site.css'],
  ['GET', '/docs/guide/getting-started'],
  ['GET', '/admin/settings/mail'],
  ['POST', '/api/auth/login'],
  ['GET', '/api/me'],
  ['GET', '/api/search'],
  ['GET', '/api/users'],
  ['GET', '/api/users/42'],
  ['PUT', '/api/users/9'],
  ['GET', '/api/users/42/posts'],
  ['GET', '/api/users/42/posts/7'],
  ['GET', '/api/posts/99/comments'],
  ['GET', '/api/posts/99/comments/1234'],
  ['DELETE', '/api/posts/5'],
  ['GET', '/api/orgs/nodejs/members'],
  ['GET', '/api/orgs/nodejs/repos/node'],
  ['GET', '/api/orgs/nodejs/repos/node/issues/52000'],
  ['GET', '/api/tables/main/customers'],
  ['GET', '/api/tables/main/customers/17'],
  ['PATCH', '/api/tables/main/customers/17'],
  ['GET', '/api/unknown'],
  ['GET', '/api/users/42/unknown'],
  ['GET', '/nope/deep/path'],
];

const ROUNDS = 6;
const ROUND_MS = 400;
const WARMUP_MS = 500;

/** Both routers with the same routes; the handler id is the route's index (find-my-way keeps it in the store). */
function buildRouters(): { monolite: Router<number>; peer: FindMyWayRouter } {
  const FindMyWay = requirePeer<() => FindMyWayRouter>('find-my-way');
  const monolite = new Router<number>();
  const peer = FindMyWay();
  ROUTES.forEach(([method, pattern], id) => {
    monolite.add(method, pattern, id);
    // find-my-way's wildcard is an unnamed `*` (its value is params['*']).
    peer.on(method, pattern.replace(/\/\*\w+$/, '/*'), () => {}, { id });
  });
  return { monolite, peer };
}

/** One pass over every lookup; returns the sum of matched route ids (-1 per miss) so no lookup is dead code. */
function passMonolite(router: Router<number>, methods: string[], paths: string[]): number {
  let sum = 0;
  for (let i = 0; i < paths.length; i++) {
    const m = router.find(methods[i], paths[i]);
    sum += m.kind === 'found' ? m.handler : -1;
  }
  return sum;
}

function passPeer(router: FindMyWayRouter, methods: string[], paths: string[]): number {
  let sum = 0;
  for (let i = 0; i < paths.length; i++) {
    const m = router.find(methods[i], paths[i]);
    sum += m !== null ? m.store.id : -1;
  }
  return sum;
}

/** Runs `pass` for about `ms` milliseconds; returns lookups per second and the checksum of one pass. */
function measure(pass: () => number, lookupsPerPass: number, ms: number): { opsPerSec: number; checksum: number } {
  const checksum = pass();
  let passes = 1;
  let batch = 16;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) {
      if (pass() !== checksum) throw new Error('Router bench: a lookup changed its answer between passes');
    }
    passes += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 10) batch *= 2; // fewer clock reads once the pass is known to be fast
  }
  return { opsPerSec: ((passes - 1) * lookupsPerPass * 1000) / elapsed, checksum };
}


const format = (opsPerSec: number): string => Math.round(opsPerSec).toLocaleString('en-US').padStart(12);

/** Runs the benchmark and prints its figures; resolves to the median ratio monolite/find-my-way. */
export async function main(): Promise<number> {
  const { monolite, peer } = buildRouters();
  const methods = LOOKUPS.map(([method]) => method);
  const paths = LOOKUPS.map(([, path]) => path);

  // Same answers, or the comparison means nothing.
  for (const [method, path] of LOOKUPS) {
    const a = monolite.find(method, path);
    const b = peer.find(method, path);
    const ours = a.kind === 'found' ? a.handler : -1;
    const theirs = b !== null ? b.store.id : -1;
    if (ours !== theirs) throw new Error(`Router bench: routers disagree on ${method} ${path} (monolite ${ours}, find-my-way ${theirs})`);
  }

  const runOurs = () => passMonolite(monolite, methods, paths);
  const runPeer = () => passPeer(peer, methods, paths);
  measure(runOurs, paths.length, WARMUP_MS);
  measure(runPeer, paths.length, WARMUP_MS);

  console.log(`router: ${ROUTES.length} routes, ${LOOKUPS.length} lookup paths, ${ROUNDS} rounds of ~${ROUND_MS} ms each (node ${process.versions.node})`);
  console.log('round   monolite ops/s  find-my-way ops/s   ratio');
  const { ours, theirs } = await alternateRounds(ROUNDS, () => measure(runOurs, paths.length, ROUND_MS).opsPerSec, () => measure(runPeer, paths.length, ROUND_MS).opsPerSec,
    (round, a, b) => console.log(`${String(round).padStart(5)}   ${format(a)}       ${format(b)}   ${(a / b).toFixed(2)}`));
  const ratios = ours.map((a, i) => a / theirs[i]);
  const ratio = median(ratios);
  console.log(`median  ${format(median(ours))}       ${format(median(theirs))}   ${ratio.toFixed(2)}`);
  console.log(`router: monolite/find-my-way = ${ratio.toFixed(2)} (higher is better for monolite)`);
  return ratio;
}

if (import.meta.main) await main();

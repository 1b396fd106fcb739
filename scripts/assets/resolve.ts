// Resolves a reference found in an asset to another file of the same tree (paths relative to the tree's root, with
// `/`), and writes the reference again with a new file name, keeping its form: relative stays relative, root-absolute
// stays root-absolute, `?query#hash` stays.
import { posix } from 'node:path';
import type { Reference } from './references.ts';

/** Where a reference points inside the tree, and where its path part ends in the URL (before `?` or `#`). */
export interface ResolvedReference {
  target: string;
  pathEnd: number;
}

/** The tree path `ref` (found in the file at tree path `from`) points to, or null: external, data:, #frag, bare. */
export function resolveReference(from: string, ref: Reference): ResolvedReference | null {
  const url = ref.url;
  if (url === '' || url.startsWith('#') || url.startsWith('//') || /^[a-z][a-z0-9+.-]*:/i.test(url)) return null;
  if (ref.module && !(url.startsWith('./') || url.startsWith('../') || url.startsWith('/'))) return null; // bare specifier
  const query = url.search(/[?#]/);
  const pathEnd = query < 0 ? url.length : query;
  const rawPath = url.slice(0, pathEnd);
  if (rawPath === '' || rawPath.endsWith('/')) return null; // a directory: its index.html keeps its name
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  const joined = path.startsWith('/') ? posix.normalize(path.slice(1)) : posix.join(posix.dirname(from), path);
  if (joined.startsWith('../') || joined === '..' || posix.isAbsolute(joined)) return null; // outside the tree
  return { target: joined, pathEnd };
}

/** `dir/a.b.css` with `hash` → `dir/a.b.<hash>.css`; a name without an extension gets the hash at its end. */
export function hashedName(path: string, hash: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? `${path.slice(0, dot)}.${hash}${path.slice(dot)}` : `${path}.${hash}`;
}

/** The reference's URL with its last path segment renamed the way hashedName renamed the file. */
export function renamedUrl(ref: Reference, resolved: ResolvedReference, hash: string): string {
  // The last segment as written (perhaps percent-encoded) gets the hash inserted; its extension is the file's.
  return hashedName(ref.url.slice(0, resolved.pathEnd), hash) + ref.url.slice(resolved.pathEnd);
}

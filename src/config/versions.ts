// Stored configuration versions as people read them — the application document with its secrets masked, and the
// unified diff between two versions — shared by `monolite config show|diff` and the admin API.
import { unifiedDiff } from '../lib/unified-diff.ts';
import { getIn, setIn, writeDocument } from './document.ts';
import { parseVersion } from './effective.ts';
import { SETTINGS } from './schema.ts';
import { APPLICATION_SCOPE, type ConfigVersion } from './store.ts';

/** What a set secret is shown as. */
export const SECRET_MASK = '********';

/**
 * A stored version as text to show: the application document in monolite's commented layout with every set secret
 * of the schema masked (unless `showSecrets`); another scope's content as stored (the schema knows nothing of it).
 */
export function presentVersion(stored: ConfigVersion, options: { showSecrets?: boolean } = {}): string {
  if (stored.scope !== APPLICATION_SCOPE || stored.format !== 'toml') return stored.content;
  const doc = parseVersion(stored);
  if (options.showSecrets !== true) {
    for (const [path, setting] of SETTINGS) {
      if (!setting.secret) continue;
      const keys = path.split('.');
      const value = getIn(doc, keys);
      if (typeof value === 'string' && value !== '') setIn(doc, keys, SECRET_MASK);
    }
  }
  return writeDocument(doc);
}

/** The unified diff from version `a` to version `b` as presentVersion shows them; '' when they read the same. */
export function diffVersions(a: ConfigVersion, b: ConfigVersion, options: { showSecrets?: boolean } = {}): string {
  return unifiedDiff(presentVersion(a, options), presentVersion(b, options), {
    oldLabel: `version ${a.version} (${a.createdAt})`,
    newLabel: `version ${b.version} (${b.createdAt})`,
  });
}

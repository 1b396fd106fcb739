// The project root and version, read once from package.json.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the project root (the folder holding package.json, migrations/ and public/). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** monolite's version, from package.json. */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

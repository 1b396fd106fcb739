// Bench server: `monolite serve` with its default pipeline (every middleware, the request log included) serving the
// bench asset's folder as [static] dir; prints {"port":N}.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/app.ts';
import { writeAsset } from './static-asset.ts';
import { announce, stopOn } from './lifecycle.ts';

const { dir } = writeAsset();
const dataDir = mkdtempSync(join(tmpdir(), 'monolite-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const app = await createApp({ dataDir, flags: { server: { port: 0 }, log: { level: 'warn' }, static: { dir } } });
const server = await app.listen();
announce(server.port);
stopOn(() => app.close());

// Bench server: `monolite serve` with its default pipeline (every middleware, the request log included) serving the
// bench asset's folder as [static] dir; prints {"port":N}.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/app.ts';
import { writeAsset } from './static-asset.ts';

const { dir } = writeAsset();
const dataDir = mkdtempSync(join(tmpdir(), 'monolite-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const app = await createApp({ dataDir, flags: { server: { port: 0 }, log: { level: 'warn' }, static: { dir } } });
const server = await app.listen();
process.stdout.write(JSON.stringify({ port: server.port }) + '\n');

// A normal exit (not death by signal) so that `--cpu-prof` gets to write its profile; the IPC channel closes when
// the bench that started this process dies.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  app.close().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`static bench server: close failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);

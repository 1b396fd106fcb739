// The checkpoint thread (started by checkpoints.ts): one connection per database it is told about, and for each, once
// per request, a PASSIVE checkpoint — it copies what no reader still needs and never waits for readers or writers.
// Answers each request with one CheckpointRound per database; 'close' closes the connections and ends the thread.
import { parentPort } from 'node:worker_threads';
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from './open.ts';
import type { CheckpointRound } from './checkpoints.ts';

const connections = new Map<string, DatabaseSync>();

function closeAll(keep: ReadonlySet<string> = new Set()): void {
  for (const [path, db] of connections) {
    if (keep.has(path)) continue;
    connections.delete(path);
    try {
      db.close();
    } catch { /* closing is all that is left to do */ }
  }
}

parentPort!.on('message', (message: string[] | 'close') => {
  if (message === 'close') {
    closeAll();
    parentPort!.close();
    return;
  }
  const rounds: CheckpointRound[] = [];
  for (const path of message) {
    try {
      let db = connections.get(path);
      if (db === undefined) {
        db = openDatabase(path);
        connections.set(path, db);
      }
      db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
      rounds.push({ path });
    } catch (err) {
      rounds.push({ path, error: (err as Error).message });
    }
  }
  closeAll(new Set(message)); // databases no longer registered
  parentPort!.postMessage(rounds);
});

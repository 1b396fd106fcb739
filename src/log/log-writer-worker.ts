// The log store's writer thread: SQLite inserts, commits and checkpoints (fsync included) happen here, off the thread
// that serves requests. Requests arrive in order on parentPort; each answer is posted on the `answers` port and then
// announced by bumping `signal[0]`, so the store can wait for one synchronously (Atomics.wait + receiveMessageOnPort).
// It never throws: every failure becomes an answer.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openDatabase } from '../db/open.ts';
import { createLogWriter, PRUNE_BATCH } from './log-writer.ts';
import type { WriterAnswer, WriterData, WriterRequest } from './log-writer-thread.ts';

const data = workerData as WriterData;
const answers: MessagePort = data.answers;
const signal = new Int32Array(data.signal);
const db = openDatabase(data.path);
const writer = createLogWriter(db);
let closed = false;

function answer(message: WriterAnswer): void {
  answers.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** One batch per turn, so writes queued meanwhile go between batches. */
function prune(seq: number, cutoff: string, total: number): void {
  if (closed) {
    answer({ seq, op: 'prune', count: total }); // the store is closing: the rest waits for the next prune
    return;
  }
  try {
    const deleted = writer.pruneBatch(cutoff);
    if (deleted === PRUNE_BATCH) {
      setImmediate(prune, seq, cutoff, total + deleted);
      return;
    }
    answer({ seq, op: 'prune', count: total + deleted });
  } catch (error) {
    answer({ seq, op: 'prune', count: total, error });
  }
}

parentPort!.on('message', (request: WriterRequest) => {
  const { seq } = request;
  if (request.op === 'write') {
    try {
      writer.write(request.rows);
      answer({ seq, op: 'write', count: request.records });
    } catch (error) {
      answer({ seq, op: 'write', count: request.records, error });
    }
  } else if (request.op === 'prune') {
    prune(seq, request.cutoff, 0);
  } else {
    closed = true;
    try {
      db.close();
    } catch { /* closing is all that is left to do */ }
    answer({ seq, op: 'close', count: 0 });
    parentPort!.close();
  }
});

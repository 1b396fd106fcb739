// The store's side of the writer thread (log-writer-worker.ts): starts it, numbers and sends requests, and delivers
// its answers — as they come, or synchronously when the store must wait for one (flush, prune, close, process exit).
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { QueuedValue } from './log-writer.ts';
import { threadExecArgv } from '../lib/thread-exec-argv.ts';

/** What the thread is started with. */
export interface WriterData {
  path: string;
  /** Int32 slot 0: bumped by the thread after each answer it posts, for Atomics.wait. */
  signal: SharedArrayBuffer;
  answers: MessagePort;
}

/** A request to the thread; `records` counts the queued records of a write (its rows may add a drop notice). */
export type WriterRequest =
  | { seq: number; op: 'write'; rows: QueuedValue[]; records: number }
  | { seq: number; op: 'prune'; cutoff: string }
  | { seq: number; op: 'close' };

/** The thread's answer to request `seq`: records written or pruned, or the error that stopped it. */
export interface WriterAnswer {
  seq: number;
  op: WriterRequest['op'];
  count: number;
  error?: unknown;
}

type Request = WriterRequest extends infer R ? (R extends unknown ? Omit<R, 'seq'> : never) : never;

export interface LogWriterThread {
  /** Sends a request; returns its sequence number. */
  send(request: Request): number;
  /** Blocks until the answer to `seq` arrives (answers met on the way are delivered too); throws after `timeoutMs`. */
  wait(seq: number, timeoutMs: number): WriterAnswer;
  /** Stops the thread at once (after a failure); a normal close is a 'close' request. */
  terminate(): void;
}

/**
 * Starts the writer thread for logs.db at `path` (already migrated). `onAnswer` receives every answer exactly once,
 * in the order they arrive; `onFailure` is called once if the thread dies. Throws if the thread cannot be created.
 */
export function startLogWriterThread(path: string, onAnswer: (answer: WriterAnswer) => void, onFailure: (err: unknown) => void): LogWriterThread {
  const signalBuffer = new SharedArrayBuffer(4);
  const signal = new Int32Array(signalBuffer);
  const { port1: answers, port2: threadAnswers } = new MessageChannel();
  const data: WriterData = { path, signal: signalBuffer, answers: threadAnswers };
  const worker = new Worker(new URL('./log-writer-worker.ts', import.meta.url), { workerData: data, transferList: [threadAnswers], execArgv: threadExecArgv() });
  // Neither keeps the process alive: the store's exit handler waits for what is in flight.
  worker.unref();
  answers.unref();
  answers.on('message', onAnswer);
  let failed = false;
  const fail = (err: unknown): void => {
    if (failed) return;
    failed = true;
    onFailure(err);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (code !== 0) fail(new Error(`The logs.db writer thread exited with code ${code}`));
  });
  let seq = 0;
  return {
    send(request) {
      seq++;
      worker.postMessage({ ...request, seq });
      return seq;
    },
    wait(awaited, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // Read the counter before draining: an answer posted after the drain bumps it, and Atomics.wait returns.
        const seen = Atomics.load(signal, 0);
        let found: WriterAnswer | undefined;
        for (let m = receiveMessageOnPort(answers); m !== undefined; m = receiveMessageOnPort(answers)) {
          const answer = m.message as WriterAnswer;
          onAnswer(answer);
          if (answer.seq === awaited) found = answer;
        }
        if (found !== undefined) return found;
        const left = deadline - Date.now();
        if (failed || left <= 0 || Atomics.wait(signal, 0, seen, left) === 'timed-out') {
          throw new Error(failed ? 'The logs.db writer thread has stopped' : `The logs.db writer thread did not answer within ${timeoutMs} ms`);
        }
      }
    },
    terminate() {
      failed = true;
      void worker.terminate();
    },
  };
}

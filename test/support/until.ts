// Waiting in tests for something another thread, process or timer makes true.
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `check()` holds, polling every 5 ms; rejects naming `what` (read at the timeout) after `ms`. */
export async function until(check: () => boolean, what: string | (() => string) = 'a condition', ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(5);
  }
}

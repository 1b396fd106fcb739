// A notifier whose target can be swapped while the server runs (a config reload changed [notify]): callers keep one
// object, the old target finishes its deliveries in the background, and the counters keep counting across swaps
// (they feed Prometheus counters, which must never go down).
import type { Notification, Notifier, NotifierStats } from './notifier.ts';

export class ReplaceableNotifier implements Notifier {
  #current: Notifier;
  /** Previous targets still closing: their counters may still move. */
  #closing = new Map<Notifier, Promise<void>>();
  /** Final counts of closed targets. */
  #retired: NotifierStats = { sent: 0, dropped: 0, failed: 0 };

  constructor(initial: Notifier) {
    this.#current = initial;
  }

  /** Sends go to `next` from now on; the previous target is closed within `deadlineMs`. */
  replace(next: Notifier, deadlineMs = 10_000): void {
    const previous = this.#current;
    this.#current = next;
    this.#closing.set(previous, previous.close(deadlineMs).then(() => {
      this.#retired = sum([this.#retired, previous.stats()]);
      this.#closing.delete(previous);
    }));
  }

  send(n: Notification): void {
    this.#current.send(n);
  }

  async close(deadlineMs?: number): Promise<void> {
    await Promise.all([this.#current.close(deadlineMs), ...this.#closing.values()]);
  }

  stats(): NotifierStats {
    return sum([this.#retired, this.#current.stats(), ...[...this.#closing.keys()].map((n) => n.stats())]);
  }
}

function sum(all: NotifierStats[]): NotifierStats {
  const total = { sent: 0, dropped: 0, failed: 0 };
  for (const s of all) {
    total.sent += s.sent;
    total.dropped += s.dropped;
    total.failed += s.failed;
  }
  return total;
}

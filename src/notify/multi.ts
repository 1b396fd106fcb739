// Fan-out to several notifiers: each gets every notification on its own, so one failing or throwing target never
// keeps the others from sending (restinpieces stopped at the first error).
import type { Notification, Notifier, NotifierStats, NotifyLog } from './notifier.ts';

/** A Notifier that sends to all of `notifiers`; its stats are their sums. */
export class MultiNotifier implements Notifier {
  #notifiers: Notifier[];
  #log: NotifyLog | undefined;
  // Sends a target threw on (breaking its contract); counted here so the sums still account for every send.
  #thrown = 0;

  constructor(notifiers: Notifier[], log?: NotifyLog) {
    this.#notifiers = [...notifiers];
    this.#log = log;
  }

  send(n: Notification): void {
    for (const notifier of this.#notifiers) {
      try {
        notifier.send(n);
      } catch (err) {
        this.#thrown++;
        try {
          this.#log?.error('Notifier threw on send', { error: err instanceof Error ? err.message : String(err) });
        } catch { /* send never throws, whatever the logger does */ }
      }
    }
  }

  /** Closes every notifier at once, each with the same deadline; resolves when all are closed. */
  async close(deadlineMs?: number): Promise<void> {
    await Promise.all(this.#notifiers.map(async (notifier) => {
      try {
        await notifier.close(deadlineMs);
      } catch { /* one target's broken close must not leave the others unawaited */ }
    }));
  }

  stats(): NotifierStats {
    const total: NotifierStats = { sent: 0, dropped: 0, failed: this.#thrown };
    for (const notifier of this.#notifiers) {
      const s = notifier.stats();
      total.sent += s.sent;
      total.dropped += s.dropped;
      total.failed += s.failed;
    }
    return total;
  }
}

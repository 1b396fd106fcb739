// The framework's own recurrent jobs (pruning, backups), declared from the configuration. applySchedules registers
// their handlers and makes the queue hold exactly one recurrent job per enabled schedule — created, re-timed when
// the interval changes, cancelled when switched off; the app applies them again after each configuration reload.
import type { JobHandler, JobRunner } from './runner.ts';

export interface Schedule {
  type: string;
  /** Time between two runs; null switches the schedule off. */
  everyMs: number | null;
  run: JobHandler;
  timeoutMs: number;
  /** Delay of the first run of a new schedule; default one interval. */
  firstRunMs?: number;
}

/** Registers each schedule's handler and keeps its recurrent job in step with `everyMs`. */
export function applySchedules(runner: JobRunner, schedules: readonly Schedule[]): void {
  for (const s of schedules) {
    runner.register(s.type, s.run, { timeoutMs: s.timeoutMs });
    if (s.everyMs === null) runner.queue.cancelRecurring(s.type);
    else runner.queue.ensureRecurring(s.type, {}, s.everyMs, { firstRunMs: s.firstRunMs ?? s.everyMs });
  }
  runner.wake();
}

// A pid file: the running server writes its process id so that other commands (`config set`) can signal it, and so
// that a second server on the same data directory is refused instead of racing the first.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** The live process named by the pid file at `path`, or undefined (no file, garbage, or a process that is gone). */
export function readLivePid(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: it exists but belongs to another user — still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * Writes this process's id to `path` and returns a function that removes the file (only if it still names this
 * process). Throws when the file names another live process; a stale file (a crash) is replaced.
 */
export function acquirePidFile(path: string): () => void {
  const other = readLivePid(path);
  if (other !== undefined && other !== process.pid) {
    throw new Error(`Cannot start: another server (pid ${other}) is running on this data directory (${path}); stop it first, or delete the file if that process is not monolite`);
  }
  writeFileSync(path, `${process.pid}\n`, { mode: 0o644 });
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}

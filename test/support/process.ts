// Test support: runs monolite (or a fixture) as a child process under the same Node and reads its log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Running {
  child: ChildProcess;
  /** Every stderr line so far, parsed as JSON when it is (the logger writes JSON lines when not on a TTY). */
  lines: Record<string, unknown>[];
  stdout: () => string;
  /** Resolves with the first log line for which `test` is true; rejects after `ms` or if the process exits. */
  waitFor(test: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node <args>` in the project root with `env` added to the environment. */
export function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: { test: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let out = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    pending += d;
    let nl;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let line: Record<string, unknown>;
      try { line = JSON.parse(text); } catch { line = { msg: text }; }
      lines.push(line);
      for (const w of [...waiters]) if (w.test(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child, lines, exited,
    stdout: () => out,
    waitFor(test, ms = 10_000) {
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Timed out; log so far:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)), ms);
        exited.then(({ code }) => reject(new Error(`Process exited (${code}) first; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)));
        waiters.push({ test, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
  };
}

/** Waits for the "serving" line and returns the URL it names. */
export async function servingUrl(run: Running): Promise<string> {
  const line = await run.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('monolite is serving '));
  return (line.msg as string).slice('monolite is serving '.length);
}

// The flags a worker thread is started with.

/**
 * `execArgv` for `new Worker(file, { execArgv })`: the process's own flags (undefined: inherited), unless one is
 * --input-type (`node --input-type=module -e …`), with which a thread cannot load a module file; it then gets none
 * (passing the others filtered is refused for process-wide ones).
 */
export function threadExecArgv(): string[] | undefined {
  return process.execArgv.some((arg) => arg.startsWith('--input-type')) ? [] : undefined;
}

// The [backup] section as the backup code takes it: the folder resolved against the data directory, names in the
// backup module's terms. Shared by `monolite backup` and the server's scheduled backup job.
import { join, resolve } from 'node:path';
import type { BackupMode } from '../db/backup.ts';
import type { Config } from './schema.ts';

export interface BackupSettings {
  /** Absolute folder of the backups. */
  dir: string;
  mode: BackupMode;
  compress: boolean;
  pagesPerStep: number;
  stepPauseMs: number;
  keep: number;
  maxAgeMs: number;
}

/** `section` for the data directory at `dataDir` (absolute): an empty dir is `<dataDir>/backups`. */
export function backupSettings(dataDir: string, section: Config['backup']): BackupSettings {
  return {
    dir: section.dir === '' ? join(dataDir, 'backups') : resolve(dataDir, section.dir),
    mode: section.mode as BackupMode,
    compress: section.compress,
    pagesPerStep: section.pages_per_step,
    stepPauseMs: section.step_pause,
    keep: section.keep,
    maxAgeMs: section.max_age,
  };
}

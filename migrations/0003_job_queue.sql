-- The job queue (src/jobs/): one row per job. Times are UTC ISO 8601 text with milliseconds, like every framework
-- timestamp; their fixed width makes text order time order.
--
-- status: pending (waiting for run_at), running (claimed; the lease ends at locked_until), failed (an attempt failed,
-- the next one waits for run_at), done, dead (out of attempts; kept for inspection). A recurrent job is one row that
-- goes back to pending after each run. dedup_key is unique among the jobs of one type (src/jobs/queue.ts explains
-- the cooldown window).
CREATE TABLE job_queue (
  id            INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a job id in an old log line names one job
  type          TEXT    NOT NULL CHECK (type <> ''),
  payload       TEXT    NOT NULL DEFAULT '{}',
  dedup_key     TEXT,
  status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'failed', 'done', 'dead')),
  attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts  INTEGER NOT NULL CHECK (max_attempts >= 1),
  run_at        TEXT    NOT NULL,
  locked_until  TEXT,
  last_error    TEXT,
  recurrence_ms INTEGER CHECK (recurrence_ms IS NULL OR recurrence_ms > 0),
  created_at    TEXT    NOT NULL,
  updated_at    TEXT    NOT NULL,
  finished_at   TEXT
);

-- Claiming walks these two partial indexes (due jobs of a type, expired leases of a type): O(log n) whatever the
-- number of finished jobs.
CREATE INDEX job_queue_due ON job_queue (type, run_at) WHERE status IN ('pending', 'failed');
CREATE INDEX job_queue_lease ON job_queue (type, locked_until) WHERE status = 'running';
CREATE UNIQUE INDEX job_queue_dedup ON job_queue (type, dedup_key) WHERE dedup_key IS NOT NULL;
-- Pruning finished jobs by age.
CREATE INDEX job_queue_finished ON job_queue (finished_at) WHERE finished_at IS NOT NULL;

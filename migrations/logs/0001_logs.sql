-- logs.db, the log store's own database (so logging never contends with app.db's writers): one row per record.
-- time is UTC ISO 8601 text with milliseconds, like every framework timestamp; fields is the record's fields as a
-- JSON object; request_id is copied out of fields.request_id so one request's records are found by index.
CREATE TABLE logs (
  id         INTEGER PRIMARY KEY,
  time       TEXT NOT NULL,
  level      TEXT NOT NULL,
  message    TEXT NOT NULL,
  fields     TEXT NOT NULL,
  request_id TEXT
);

-- Every index is paid for by every logged request: only time (ranges, pruning) and request id (one request's
-- records) are indexed; a level filter scans within the time range.
CREATE INDEX logs_time ON logs (time);
CREATE INDEX logs_request_id ON logs (request_id) WHERE request_id IS NOT NULL;

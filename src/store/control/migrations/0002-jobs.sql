-- Background jobs (report generation, exports, file builds). The row is the truth: status, progress,
-- result and error. The payload holds ids only; handlers load what they need. See src/jobs/README.md.
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  tenant_id integer NOT NULL REFERENCES tenants (id),
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  -- Attempts started so far; a claim adds one.
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- NULL: the limit registered for the kind applies.
  max_attempts integer CHECK (max_attempts >= 1),
  -- The earliest time the job may (re)run: enqueue time, or now + backoff after a failure.
  run_at timestamptz NOT NULL DEFAULT now(),
  -- While running: the worker in locked_by owns the job until lease_until; after that another
  -- worker may claim it (the owner is presumed dead).
  lease_until timestamptz,
  locked_by text,
  progress real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  progress_message text,
  result jsonb,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The claim query scans only unfinished jobs in run_at order; finished jobs (the bulk of the
-- table over time) stay out of this index.
CREATE INDEX jobs_claimable ON jobs (run_at, id) WHERE status IN ('queued', 'running');

-- Listing a tenant's jobs, keyset paged by id.
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, id);

-- The tenant's public id: the usage reports document shows tenantId as a GUID.
ALTER TABLE tenants ADD COLUMN uuid uuid NOT NULL DEFAULT gen_random_uuid();

-- Usage report definitions (src/modules/usage-reports). The result rows live in the warehouse
-- table report_rows under run_id, so pages and downloads stay the same after later ingestion.
CREATE TABLE usage_reports (
  id uuid PRIMARY KEY,
  tenant_id integer NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  report_type text NOT NULL CHECK (report_type IN ('Workspace', 'User')),
  date_from date NOT NULL,
  date_to date NOT NULL CHECK (date_to >= date_from),
  -- Metric GUIDs in the order the client gave them: the column order of details and downloads.
  fields text[] NOT NULL,
  status text NOT NULL CHECK (status IN ('Scheduled', 'InProgress', 'Finished', 'Failed')),
  failure_reason text,
  -- Who created it ('user:<id>' or 'system'): without instance-wide permission, only they see it.
  owner text NOT NULL,
  -- Workspaces the report may cover, fixed at creation from the creator's access; NULL: all.
  workspace_ids bigint[],
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  -- The finished run's rows in report_rows, and how many.
  run_id text,
  total_items bigint
);
CREATE INDEX usage_reports_by_tenant ON usage_reports (tenant_id, created_at, id);

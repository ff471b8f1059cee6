-- Event tracking management (src/modules/usage-intel/event-tracking.ts): every event category and
-- name a product has reported, whether it is collected (stored) and whether it is in advanced
-- tracking. Ingestion adds the names it sees; a name set before it is reported has no report times.
CREATE TABLE tracked_events (
  tenant_id integer NOT NULL REFERENCES tenants (id),
  product_id integer NOT NULL,
  category text NOT NULL,
  name text NOT NULL,
  collected boolean NOT NULL DEFAULT true,
  advanced boolean NOT NULL DEFAULT false,
  first_reported timestamptz,
  -- Refreshed at most once a minute, so that busy ingestion does not rewrite the row per batch.
  last_reported timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, product_id, category, name),
  CHECK (collected OR NOT advanced)
);

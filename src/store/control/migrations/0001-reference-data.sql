-- Tenants own everything; a single-tenant install has tenant 1.
CREATE TABLE tenants (
  id integer PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (id, name) VALUES (1, 'default');

-- Reference data sent through PUT /ingest/v1/entities/{kind}, keyed by the platform's own ids.
CREATE TABLE workspaces (
  tenant_id integer NOT NULL REFERENCES tenants (id),
  artifact_id bigint NOT NULL,
  name text NOT NULL,
  client_domain text NOT NULL DEFAULT '',
  matter text NOT NULL DEFAULT '',
  template text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'Active',
  created_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, artifact_id)
);
CREATE INDEX workspaces_client_domain ON workspaces (tenant_id, client_domain);

-- The users of the platform being reported on (not Tally's own sign-in users).
CREATE TABLE platform_users (
  tenant_id integer NOT NULL REFERENCES tenants (id),
  artifact_id bigint NOT NULL,
  full_name text NOT NULL,
  email text NOT NULL DEFAULT '',
  is_system_admin boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, artifact_id)
);

CREATE TABLE platform_user_workspaces (
  tenant_id integer NOT NULL,
  user_id bigint NOT NULL,
  workspace_id bigint NOT NULL,
  PRIMARY KEY (tenant_id, user_id, workspace_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES platform_users (tenant_id, artifact_id) ON DELETE CASCADE
);

CREATE TABLE fields (
  tenant_id integer NOT NULL REFERENCES tenants (id),
  artifact_id bigint NOT NULL,
  workspace_id bigint NOT NULL,
  name text NOT NULL,
  field_type text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, artifact_id)
);
CREATE INDEX fields_by_workspace ON fields (tenant_id, workspace_id, lower(name));

CREATE TABLE field_choices (
  tenant_id integer NOT NULL,
  field_id bigint NOT NULL,
  artifact_id bigint NOT NULL,
  name text NOT NULL,
  ordinal integer NOT NULL,
  PRIMARY KEY (tenant_id, field_id, artifact_id),
  FOREIGN KEY (tenant_id, field_id) REFERENCES fields (tenant_id, artifact_id) ON DELETE CASCADE
);

CREATE TABLE products (
  tenant_id integer NOT NULL REFERENCES tenants (id),
  product_id integer NOT NULL,
  name text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, product_id)
);

-- Integrations between two systems, for the integration usage export.
CREATE TABLE integrations (
  tenant_id integer NOT NULL REFERENCES tenants (id),
  integration_id text NOT NULL,
  name text NOT NULL DEFAULT '',
  system1 text NOT NULL,
  system2 text NOT NULL,
  project1 text NOT NULL,
  project2 text NOT NULL,
  entity_types text[] NOT NULL DEFAULT '{}',
  status text NOT NULL CHECK (status IN ('Active', 'Inactive')),
  last_updated timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, integration_id)
);

-- Monotonic id ranges handed out to ingestion (Audit IDs), shared by every API node.
CREATE TABLE id_counters (
  name text PRIMARY KEY,
  last_value bigint NOT NULL
);
INSERT INTO id_counters (name, last_value) VALUES ('audit_id', 0);

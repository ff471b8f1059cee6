-- Tally's own principals: people who sign in, groups, what groups may do, and OAuth2 clients.
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  tenant_id integer NOT NULL REFERENCES tenants (id),
  username text NOT NULL,
  email text NOT NULL DEFAULT '',
  full_name text NOT NULL DEFAULT '',
  -- Argon2id, PHC string format.
  password_hash text NOT NULL,
  is_system_admin boolean NOT NULL DEFAULT false,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username ON users (tenant_id, lower(username));

CREATE TABLE groups (
  id bigserial PRIMARY KEY,
  tenant_id integer NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX groups_name ON groups (tenant_id, lower(name));

CREATE TABLE group_members (
  group_id bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- A permission granted to a group, instance-wide ('instance', '') or scoped to one client domain,
-- workspace, product or folder.
CREATE TABLE grants (
  id bigserial PRIMARY KEY,
  group_id bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  permission text NOT NULL,
  scope_kind text NOT NULL CHECK (scope_kind IN ('instance', 'client_domain', 'workspace', 'product', 'folder')),
  scope_value text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (group_id, permission, scope_kind, scope_value)
);

CREATE TABLE oauth_clients (
  id bigserial PRIMARY KEY,
  tenant_id integer NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  client_id text NOT NULL UNIQUE,
  -- Argon2id of the secret; the secret itself is shown once, when the client is created.
  secret_hash text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  -- The client acts with this user's permissions.
  context_user_id bigint NOT NULL REFERENCES users (id),
  token_lifetime_minutes integer NOT NULL DEFAULT 60 CHECK (token_lifetime_minutes BETWEEN 1 AND 1440),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX oauth_clients_name ON oauth_clients (tenant_id, lower(name));

-- Signed-in browser (and usage intelligence) sessions. The cookie holds a random token; only its
-- SHA-256 is stored, so a leaked table cannot be replayed.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Instance settings (signing keys, limits such as RevertMaxAuditCount), one JSON value per name.
CREATE TABLE settings (
  name text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

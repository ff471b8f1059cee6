-- The license key registry (src/modules/usage-intel/license-keys/): the keys a vendor registers
-- for a product, with their details. The key each installation runs under arrives with the client
-- data (usage_clients.license_key in the warehouse); keys seen there but absent here are reported.
CREATE TABLE license_keys (
  tenant_id integer NOT NULL REFERENCES tenants (id),
  product_id integer NOT NULL,
  -- Byte order, whatever the server's locale, as the warehouse orders keys too.
  license_key text COLLATE "C" NOT NULL,
  license_type text NOT NULL DEFAULT '',
  edition text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'revoked')),
  customer text NOT NULL DEFAULT '',
  -- The last day the key is valid (UTC); null: it never expires.
  expiry_date date,
  notes text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, product_id, license_key)
);
-- Searches by expiry range ("keys expiring next month") are the common non-key lookup.
CREATE INDEX license_keys_expiry ON license_keys (tenant_id, product_id, expiry_date);

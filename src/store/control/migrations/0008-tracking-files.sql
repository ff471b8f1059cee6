-- Tracking files (src/modules/usage-intel/tracking-files/): the daily zipped CSV files of custom
-- events, exceptions and raw events built by jobs, and the per-product switch of raw data exports.

-- One row per built file: a product's data of one kind for one UTC day. The file itself is in the
-- file store at file_key; a rebuild replaces both. `rows` is what the file holds, so a sweep that
-- counts more rows for the day in the warehouse (late data) knows to build it again.
CREATE TABLE tracking_files (
  tenant_id integer NOT NULL REFERENCES tenants (id),
  product_id integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('customEvents', 'exceptions', 'rawEvents')),
  day date NOT NULL,
  file_name text NOT NULL,
  file_key text NOT NULL,
  rows bigint NOT NULL CHECK (rows > 0),
  size_bytes bigint NOT NULL,
  uncompressed_bytes bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, product_id, kind, day)
);
-- getDownloadUrl finds a file by the name listFiles gave.
CREATE UNIQUE INDEX tracking_files_by_name ON tracking_files (tenant_id, product_id, kind, file_name);

-- Raw data exports are off until an administrator turns them on for a product.
CREATE TABLE raw_export_settings (
  tenant_id integer NOT NULL,
  product_id integer NOT NULL,
  enabled boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, product_id),
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, product_id) ON DELETE CASCADE
);

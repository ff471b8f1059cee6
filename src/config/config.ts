import path from 'node:path'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'

/** Every setting Tally reads, with its default. This module is the only reader of process.env. */
export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  host: Type.String({ default: '0.0.0.0' }),
  dataDir: Type.String({ default: './data' }),
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  clickhouseUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  clickhouseCluster: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]+$' })),
  clickhouseDatabase: Type.String({ pattern: '^[A-Za-z0-9_]+$', default: 'tally' }),
  publicOrigin: Type.String({ default: 'http://localhost:8080' }),
  demo: Type.Boolean({ default: true }),
  adminPassword: Type.Optional(Type.String({ minLength: 12 })),
  bootstrapClientId: Type.Optional(Type.String({ minLength: 1 })),
  bootstrapClientSecret: Type.Optional(Type.String({ minLength: 16 })),
  logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  /** Ingestion limits: a request over either is refused before anything is stored. */
  ingestMaxBodyBytes: Type.Integer({ minimum: 1024, default: 256 * 1024 * 1024 }),
  ingestMaxEvents: Type.Integer({ minimum: 1, default: 200_000 }),
  /** The bearer token CLI commands send when they talk to a running server (Ingest permission). */
  token: Type.Optional(Type.String({ minLength: 1 })),
  /** In-process job worker under `tally serve`; `tally worker` runs one regardless. */
  worker: Type.Boolean({ default: true }),
  workerConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
})

export type Config = Static<typeof ConfigSchema>

/** Which environment variable feeds which setting. */
const ENV_NAMES: Record<keyof Config, string> = {
  port: 'PORT',
  host: 'HOST',
  dataDir: 'TALLY_DATA_DIR',
  databaseUrl: 'TALLY_DATABASE_URL',
  clickhouseUrl: 'TALLY_CLICKHOUSE_URL',
  clickhouseCluster: 'TALLY_CLICKHOUSE_CLUSTER',
  clickhouseDatabase: 'TALLY_CLICKHOUSE_DATABASE',
  publicOrigin: 'TALLY_PUBLIC_ORIGIN',
  demo: 'TALLY_DEMO',
  adminPassword: 'TALLY_ADMIN_PASSWORD',
  bootstrapClientId: 'TALLY_BOOTSTRAP_CLIENT_ID',
  bootstrapClientSecret: 'TALLY_BOOTSTRAP_CLIENT_SECRET',
  logLevel: 'TALLY_LOG_LEVEL',
  ingestMaxBodyBytes: 'TALLY_INGEST_MAX_BODY_BYTES',
  ingestMaxEvents: 'TALLY_INGEST_MAX_EVENTS',
  token: 'TALLY_TOKEN',
  worker: 'TALLY_WORKER',
  workerConcurrency: 'TALLY_WORKER_CONCURRENCY',
}

const checkConfig = Compile(ConfigSchema)

export class ConfigError extends Error {}

/** Builds the typed config from environment variables plus explicit overrides (tests, CLI flags). */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Config> = {},
): Config {
  const raw: Record<string, unknown> = {}
  for (const [key, envName] of Object.entries(ENV_NAMES) as [keyof Config, string][]) {
    const text = env[envName]
    if (text === undefined || text === '') continue
    raw[key] = coerce(ConfigSchema.properties[key], text)
  }
  const merged = checkConfig.Default({ ...raw, ...overrides }) as Record<string, unknown>
  const errors = [...checkConfig.Errors(merged)]
  if (errors.length > 0) {
    const lines = new Set(
      errors.map((e) => {
        const key = e.instancePath.replace(/^\//, '') as keyof Config
        return `${ENV_NAMES[key] ?? key}: ${e.message}`
      }),
    )
    throw new ConfigError(`invalid configuration:\n  ${[...lines].join('\n  ')}`)
  }
  const config = merged as Config
  return { ...config, dataDir: path.resolve(config.dataDir) }
}

/** Environment values are text; turn them into the type the schema expects so the check can name bad ones. */
function coerce(schema: unknown, text: string): unknown {
  const type = (schema as { type?: unknown }).type
  if (type === 'integer') return /^-?\d+$/.test(text) ? Number(text) : text
  if (type === 'boolean') {
    if (['1', 'true', 'yes', 'on'].includes(text.toLowerCase())) return true
    if (['0', 'false', 'no', 'off'].includes(text.toLowerCase())) return false
  }
  return text
}

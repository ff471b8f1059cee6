import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      demo: true,
      clickhouseDatabase: 'tally',
      logLevel: 'info',
    })
    expect(config.dataDir).toMatch(/\/data$/)
    expect(config.databaseUrl).toBeUndefined()
  })

  it('reads and converts environment variables', () => {
    const config = loadConfig({
      PORT: '9000',
      TALLY_DEMO: '0',
      TALLY_DATABASE_URL: 'postgres://u@db:5432/tally',
      TALLY_CLICKHOUSE_CLUSTER: 'main',
      TALLY_INGEST_MAX_EVENTS: '5000',
    })
    expect(config).toMatchObject({
      port: 9000,
      demo: false,
      databaseUrl: 'postgres://u@db:5432/tally',
      clickhouseCluster: 'main',
      ingestMaxEvents: 5000,
    })
  })

  it('names every bad variable in one error', () => {
    expect(() =>
      loadConfig({
        PORT: 'eighty',
        TALLY_LOG_LEVEL: 'loud',
        TALLY_CLICKHOUSE_URL: 'clickhouse.local',
        TALLY_DEMO: 'maybe',
      }),
    ).toThrow(/PORT: must be integer[\s\S]*TALLY_CLICKHOUSE_URL: [\s\S]*TALLY_DEMO: [\s\S]*TALLY_LOG_LEVEL: /)
  })

  it('lets explicit overrides win over the environment', () => {
    expect(loadConfig({ PORT: '9000' }, { port: 1234 }).port).toBe(1234)
  })
})

import { describe, expect, it } from 'vitest'
import { CREDITS_TRANSACTION, RESOURCE_USAGE } from '../../src/modules/report-data/reports.js'
import { reportQueries } from '../../src/modules/report-data/sql.js'

const window = { fromMs: Date.parse('2023-09-15T13:30:00Z'), toMs: Date.parse('2023-09-15T13:30:00.001Z') }

describe('report data SQL', () => {
  it('binds the window, the folders and every filter given (golden SQL)', () => {
    const { records, count } = reportQueries(
      RESOURCE_USAGE,
      {
        tenantId: 7,
        folders: ['Folder 4'],
        window,
        filters: { fromDate: '2023-09-15', folder: 'Folder 4', service: '', resourceId: 'RES-004' },
      },
      20_001,
    )
    const where =
      "tenant_id = {tenant:UInt32} AND timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') " +
      "AND timestamp < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC') " +
      'AND ({allFolders:Bool} OR has(arrayMap(f -> lowerUTF8(f), {folders:Array(String)}), lowerUTF8(folder))) ' +
      'AND lowerUTF8(folder) = lowerUTF8({filter0:String}) ' +
      'AND lowerUTF8(resource_id) = lowerUTF8({filter2:String})'
    expect(records.query).toBe(
      'SELECT toUnixTimestamp64Milli(timestamp) AS ms, folder AS `folder`, service AS `service`, ' +
        'resource_id AS `resourceId`, resource_name AS `resourceName`, resource_type AS `resourceType`, ' +
        'unit AS `unit`, quantity AS `quantity`, toFloat64(credits) AS `credits` ' +
        `FROM resource_usage WHERE ${where} ORDER BY timestamp, resource_id, folder, service LIMIT {limit:UInt32}`,
    )
    const params = {
      tenant: 7,
      fromMs: window.fromMs,
      toMs: window.toMs,
      allFolders: false,
      folders: ['Folder 4'],
      filter0: 'Folder 4',
      filter2: 'RES-004',
    }
    expect(records.params).toEqual({ ...params, limit: 20_001 })
    expect(count).toEqual({
      query: `SELECT count() AS n FROM resource_usage WHERE ${where}`,
      params,
      tag: 'report-data:resourceUsage:count',
    })
  })

  it('never writes a filter value into the SQL text', () => {
    const hostile = "x') OR 1=1 --"
    const { records } = reportQueries(
      CREDITS_TRANSACTION,
      { tenantId: 1, folders: null, window, filters: { user: hostile, productName: hostile } },
      10,
    )
    expect(records.query).not.toContain(hostile)
    expect(records.params).toMatchObject({
      allFolders: true,
      folders: [],
      filter1: hostile,
      filter3: hostile,
    })
  })
})

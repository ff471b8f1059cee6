import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Warehouse } from '../../src/store/warehouse/warehouse.js'
import { tempDir } from '../helpers/stores.js'

/** chDB allows one data path per process: this file opens one warehouse and shares it. */
let warehouse: Warehouse

beforeAll(async () => {
  warehouse = await Warehouse.open({ path: path.join(tempDir(), 'warehouse'), database: 'tally' })
  await warehouse.command({
    query: `CREATE TABLE samples (
      id UInt32, text String, kind LowCardinality(String), big Int64, ratio Nullable(Float64),
      credits Decimal(18, 4), flag Bool, at DateTime64(3, 'UTC'), names Array(Nullable(String)),
      data Map(String, String), ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = MergeTree ORDER BY id`,
  })
})
afterAll(() => warehouse.close())

/** Every awkward character a field can hold: the delimiters, escapes, quotes, NUL, non-ASCII. */
const AWKWARD = 'tab\there\nnewline\rreturn back\\slash \\N quote\' "double" nul\0 ünï 💡 NULL'

describe('Warehouse.insert', () => {
  it('stores every value exactly as given, whatever characters it holds', async () => {
    const rows = [
      {
        id: 1,
        text: AWKWARD,
        kind: AWKWARD,
        big: '-9007199254740993',
        ratio: null,
        credits: 0.0001,
        flag: true,
        at: '2024-02-29T23:59:59.999Z',
        names: [AWKWARD, null, 'NULL', ''],
        data: { [AWKWARD]: AWKWARD, '': '' },
      },
      {
        id: 2,
        text: '',
        kind: '',
        big: 9007199254740991,
        ratio: 1.5e-7,
        credits: 123456789.1234,
        flag: false,
        at: '2024-03-01 00:00:00.000',
        names: [],
        data: {},
      },
    ]
    await warehouse.insert('samples', rows)
    const stored = await warehouse.query({
      query: `SELECT id, text, kind, big, ratio, toString(credits) AS credits, flag, toString(at) AS at, names, data
              FROM samples ORDER BY id`,
    })
    expect(stored).toEqual([
      { ...rows[0], credits: '0.0001', at: '2024-02-29 23:59:59.999' },
      { ...rows[1], big: '9007199254740991', credits: '123456789.1234', at: '2024-03-01 00:00:00.000' },
    ])
  })

  it('reads the table’s columns again when a row names one added since the last insert', async () => {
    await warehouse.insert('samples', [sample(3)])
    await warehouse.command({ query: "ALTER TABLE samples ADD COLUMN source String DEFAULT 'api'" })
    await warehouse.insert('samples', [{ ...sample(4), source: 'import' }])
    expect(
      await warehouse.query({ query: 'SELECT id, source FROM samples WHERE id >= 3 ORDER BY id' }),
    ).toEqual([
      { id: 3, source: 'api' },
      { id: 4, source: 'import' },
    ])
  })

  it('refuses a row naming a column the table does not have, storing nothing', async () => {
    await expect(warehouse.insert('samples', [{ ...sample(5), nope: 1 }])).rejects.toThrow(
      'table samples has no column nope',
    )
    expect(await warehouse.query({ query: 'SELECT id FROM samples WHERE id = 5' })).toEqual([])
  })
})

function sample(id: number) {
  return {
    id,
    text: 't',
    kind: 'k',
    big: 1,
    ratio: null,
    credits: 1,
    flag: true,
    at: '2024-01-01T00:00:00Z',
    names: [],
    data: {},
  }
}

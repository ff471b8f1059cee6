import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { METRICS, ORIGINS } from '../../src/modules/usage-reports/catalog.js'
import { monthsOf } from '../../src/modules/usage-reports/compute.js'

/** The metrics the usage reports document shows, with its GUIDs, names and origins. */
const DOCUMENTED = [
  ['18af070c-5f4a-407b-a4c8-93b1c4fffc34', 'Workspace Artifact ID', 'Workspace Utilization', 'Int64'],
  ['bd708c94-c51b-44e5-bc2d-29378fe72bf7', 'Report Period', 'Workspace Utilization', 'DateTime'],
  ['6f9619ff-8b86-d011-b42d-00c04fc964ff', 'Workspace Artifact ID', 'Processing Statistics', 'Int64'],
  ['59f7c2a8-feb3-4ee0-8f4a-d7359ee58d17', 'Processing Data Source Count', 'Processing Statistics', 'Int64'],
  ['f0931643-5aee-414a-9c53-495b71bae5fc', 'Contracts Document Units', 'Processing Utilization', 'Int64'],
  [
    '241df315-c954-405f-8d09-0ac5cfdb7de3',
    'Current Data Breach File Size ',
    'Processing Utilization',
    'Double',
  ],
  ['a6bda9d5-23d7-4b6c-86f8-513d55e8f66e', 'User Email Address', 'User Information', 'Text'],
  [
    '39a5b2b5-6aef-4d67-9bc4-f63c730883f9',
    'Enabled User Information Capture Date-Time',
    'User Information',
    'DateTime',
  ],
  ['bc1caedc-e3f9-4d29-a4cb-04e7942f598f', 'Workspace ArtifactID', 'Workspace Information', 'Int64'],
  ['a871c32c-854b-4b49-ac00-5aa005f58c9a', 'Workspace Name', 'Workspace Information', 'Text'],
] as const

describe('the usage metrics catalog', () => {
  it('keeps the document’s metrics exactly', () => {
    for (const [id, name, originName, valueType] of DOCUMENTED) {
      const metric = METRICS.get(id)
      expect(metric, id).toMatchObject({ name, valueType })
      expect(ORIGINS.find((o) => o.id === metric!.originId)?.name).toBe(originName)
    }
  })

  it('has unique lower-case GUIDs, one report type per origin, and documents every metric', () => {
    const ids = ORIGINS.flatMap((o) => o.metrics.map((m) => m.id))
    expect(new Set(ids).size).toBe(ids.length)
    expect(METRICS.size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    for (const origin of ORIGINS) expect(new Set(origin.metrics.map((m) => m.reportType)).size).toBe(1)
    const doc = fs.readFileSync(new URL('../../docs/usage-metrics.md', import.meta.url), 'utf8')
    for (const id of ids) expect(doc, `docs/usage-metrics.md lacks ${id}`).toContain(id)
  })

  it('lists the months a range touches', () => {
    expect(monthsOf('2024-05-05', '2024-05-05')).toEqual(['2024-05-01'])
    expect(monthsOf('2024-11-30', '2025-02-01')).toEqual([
      '2024-11-01',
      '2024-12-01',
      '2025-01-01',
      '2025-02-01',
    ])
  })
})

import { describe, expect, it } from 'vitest'
import { csvRecordToEvent } from '../../src/modules/ingest/csv.js'
import { AuditEvent } from '../../src/modules/ingest/streams/audits.js'
import { userObservationsStream } from '../../src/modules/ingest/streams/integration.js'

describe('csvRecordToEvent', () => {
  it('converts cells by the declared field types and leaves empty cells out', () => {
    expect(
      csvRecordToEvent(
        {
          workspaceId: '1018053',
          timestamp: '2019-05-22T15:10:42.877Z',
          action: 'Update',
          artifactName: '0042',
          executionTimeMs: '',
          details: '{"a":1}',
          changes: '[{"field":"F","oldValue":null,"newValue":"x"}]',
        },
        AuditEvent,
      ),
    ).toEqual({
      workspaceId: 1018053,
      timestamp: '2019-05-22T15:10:42.877Z',
      action: 'Update',
      artifactName: '0042',
      details: { a: 1 },
      changes: [{ field: 'F', oldValue: null, newValue: 'x' }],
    })
  })

  it('converts booleans, and passes what does not convert through for the schema check to name', () => {
    expect(
      csvRecordToEvent({ isServiceAccount: 'TRUE', system: 'Jira' }, userObservationsStream.schema),
    ).toEqual({ isServiceAccount: true, system: 'Jira' })
    expect(csvRecordToEvent({ workspaceId: 'twelve', unknown: 'x' }, AuditEvent)).toEqual({
      workspaceId: 'twelve',
      unknown: 'x',
    })
  })
})

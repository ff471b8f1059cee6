import Type from 'typebox'
import {
  EventError,
  EventSchema,
  ID_TEXT,
  Instant,
  POSITIVE_ID,
  defineStream,
  orEmpty,
  toUtc,
} from '../stream.js'

export const LICENSE_CHANGES = ['Assigned', 'Removed'] as const

/**
 * A change of a user's license, from an instant on: a license assigned (replacing the one the
 * user held, if any) or removed. A user holds one license at a time; the usage reports rebuild who
 * held which license when from these changes (docs/usage-metrics.md).
 */
export const userLicensesStream = defineStream({
  name: 'user-licenses',
  table: 'user_licenses',
  timeColumn: 'effective_at',
  summary: 'License assignments and removals of users',
  schema: EventSchema(
    {
      userId: Type.Integer({ ...POSITIVE_ID, description: 'User artifact id' }),
      effectiveAt: Instant('From when the change holds'),
      change: Type.Enum([...LICENSE_CHANGES], {
        description: 'Assigned: the user holds licenseType from then on; Removed: no license',
      }),
      licenseType: Type.Optional(
        Type.String({ ...ID_TEXT, description: 'The license assigned (Assigned changes only)' }),
      ),
    },
    'One change of a user’s license.',
  ),
  toRow(event, tenantId) {
    if (event.change === 'Assigned' && event.licenseType === undefined)
      throw new EventError('licenseType: required when change is Assigned')
    if (event.change === 'Removed' && event.licenseType !== undefined)
      throw new EventError('licenseType: a Removed change names no license type')
    return {
      tenant_id: tenantId,
      user_id: event.userId,
      effective_at: toUtc(event.effectiveAt),
      change: event.change,
      license_type: orEmpty(event.licenseType),
      ingest_key: orEmpty(event.id),
    }
  },
})

import Type from 'typebox'
import { ID_TEXT, Instant, NAME } from '../stream.js'
import { chunk, defineEntity, upsertStatement } from '../entity.js'

export const integrationsEntity = defineEntity({
  kind: 'integrations',
  summary: 'Integrations: a pair of systems and a pair of projects kept in sync',
  schema: Type.Object(
    {
      integrationId: Type.String(ID_TEXT),
      name: Type.Optional(Type.String({ maxLength: 1024 })),
      system1: Type.String({ ...NAME, description: 'End System 1' }),
      system2: Type.String({ ...NAME, description: 'End System 2' }),
      project1: Type.String({ ...NAME, description: 'End System 1 Project' }),
      project2: Type.String({ ...NAME, description: 'End System 2 Project' }),
      entityTypes: Type.Array(Type.String(NAME), { maxItems: 1000, uniqueItems: true }),
      status: Type.Enum(['Active', 'Inactive']),
      lastUpdated: Instant('When the integration was last updated'),
    },
    { additionalProperties: false },
  ),
  keyOf: (i) => i.integrationId,
  async upsert(stores, tenantId, items) {
    const columns = [
      'tenant_id',
      'integration_id',
      'name',
      'system1',
      'system2',
      'project1',
      'project2',
      'entity_types',
      'status',
      'last_updated',
    ]
    for (const part of chunk(items, 1000)) {
      await stores.control.query(
        upsertStatement('integrations', columns, ['tenant_id', 'integration_id'], part.length),
        part.flatMap((i) => [
          tenantId,
          i.integrationId,
          i.name ?? '',
          i.system1,
          i.system2,
          i.project1,
          i.project2,
          i.entityTypes,
          i.status,
          i.lastUpdated,
        ]),
      )
    }
  },
})

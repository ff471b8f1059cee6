import Type from 'typebox'
import { EventError, EventSchema, ID_TEXT, Instant, NAME, defineStream, orEmpty, toUtc } from '../stream.js'

export const INTERACTION_TYPES = [
  'CommentAuthor',
  'AttachmentAuthor',
  'MappedUserField',
  'Mention',
  'Update',
] as const

export const syncActivityStream = defineStream({
  name: 'sync-activity',
  table: 'sync_activity',
  timeColumn: 'timestamp',
  summary: 'Entities synchronized between two integrated systems',
  schema: EventSchema(
    {
      timestamp: Instant('When the sync finished'),
      integrationId: Type.String({
        ...ID_TEXT,
        description: 'The integration (see the integrations entity)',
      }),
      sourceSystem: Type.String(NAME),
      targetSystem: Type.String(NAME),
      sourceProject: Type.String(NAME),
      targetProject: Type.String(NAME),
      entityType: Type.String({ ...NAME, description: 'Work item, defect, requirement, …' }),
      entityId: Type.String(ID_TEXT),
      outcome: Type.Enum(['Success', 'Failure']),
    },
    'One entity sync.',
  ),
  toRow: (event, tenantId) => ({
    tenant_id: tenantId,
    timestamp: toUtc(event.timestamp),
    integration_id: event.integrationId,
    source_system: event.sourceSystem,
    target_system: event.targetSystem,
    source_project: event.sourceProject,
    target_project: event.targetProject,
    entity_type: event.entityType,
    entity_id: event.entityId,
    outcome: event.outcome,
    ingest_key: orEmpty(event.id),
  }),
})

export const userObservationsStream = defineStream({
  name: 'user-observations',
  table: 'user_observations',
  timeColumn: 'timestamp',
  summary: 'A user seen in an integrated system (author, mention, mapped field, …)',
  schema: EventSchema(
    {
      timestamp: Instant('When the user was observed'),
      integrationId: Type.Optional(Type.String(ID_TEXT)),
      system: Type.String({ ...NAME, description: 'The system the user was seen in' }),
      email: Type.Optional(Type.String({ maxLength: 320 })),
      username: Type.Optional(Type.String({ maxLength: 256 })),
      displayName: Type.Optional(Type.String({ maxLength: 256 })),
      interactionType: Type.Enum([...INTERACTION_TYPES]),
      isServiceAccount: Type.Optional(Type.Boolean()),
    },
    'One observation of a user; at least one of email, username and displayName is required.',
  ),
  toRow(event, tenantId) {
    if (!event.email && !event.username && !event.displayName) {
      throw new EventError('email, username, displayName: at least one is required')
    }
    return {
      tenant_id: tenantId,
      timestamp: toUtc(event.timestamp),
      integration_id: orEmpty(event.integrationId),
      system: event.system,
      email: orEmpty(event.email),
      username: orEmpty(event.username),
      display_name: orEmpty(event.displayName),
      interaction_type: event.interactionType,
      is_service_account: event.isServiceAccount ?? false,
      ingest_key: orEmpty(event.id),
    }
  },
})

import Type from 'typebox'
import { EventError, Instant, NAME, POSITIVE_ID } from '../stream.js'
import { chunk, defineEntity, upsertStatement } from '../entity.js'

/** The pinned entity kinds of INGEST.md: workspaces, users, documents and fields. */

const ROWS_PER_STATEMENT = 1000

export const workspacesEntity = defineEntity({
  kind: 'workspaces',
  summary: 'Workspaces (matters) of the platform, with their client domain',
  schema: Type.Object(
    {
      artifactId: Type.Integer(POSITIVE_ID),
      name: Type.String(NAME),
      clientDomain: Type.Optional(Type.String({ maxLength: 1024 })),
      matter: Type.Optional(Type.String({ maxLength: 1024 })),
      template: Type.Optional(Type.String({ maxLength: 1024 })),
      status: Type.Optional(Type.String({ maxLength: 256 })),
      createdAt: Type.Optional(Instant('When the workspace was created')),
    },
    { additionalProperties: false },
  ),
  keyOf: (w) => String(w.artifactId),
  async upsert(stores, tenantId, items) {
    const columns = [
      'tenant_id',
      'artifact_id',
      'name',
      'client_domain',
      'matter',
      'template',
      'status',
      'created_at',
    ]
    for (const part of chunk(items, ROWS_PER_STATEMENT)) {
      await stores.control.query(
        upsertStatement(
          'workspaces',
          columns,
          ['tenant_id', 'artifact_id'],
          part.length,
          'updated_at = now()',
        ),
        part.flatMap((w) => [
          tenantId,
          w.artifactId,
          w.name,
          w.clientDomain ?? '',
          w.matter ?? '',
          w.template ?? '',
          w.status ?? 'Active',
          w.createdAt ?? null,
        ]),
      )
    }
  },
})

export const usersEntity = defineEntity({
  kind: 'users',
  summary: 'Users of the platform, with the workspaces they can access',
  schema: Type.Object(
    {
      artifactId: Type.Integer(POSITIVE_ID),
      fullName: Type.String(NAME),
      email: Type.Optional(Type.String({ maxLength: 320 })),
      isSystemAdmin: Type.Optional(Type.Boolean()),
      workspaceIds: Type.Optional(
        Type.Array(Type.Integer(POSITIVE_ID), { maxItems: 100_000, uniqueItems: true }),
      ),
    },
    { additionalProperties: false },
  ),
  keyOf: (u) => String(u.artifactId),
  async upsert(stores, tenantId, items) {
    const columns = ['tenant_id', 'artifact_id', 'full_name', 'email', 'is_system_admin']
    await stores.control.transaction(async (tx) => {
      for (const part of chunk(items, ROWS_PER_STATEMENT)) {
        await tx.query(
          upsertStatement(
            'platform_users',
            columns,
            ['tenant_id', 'artifact_id'],
            part.length,
            'updated_at = now()',
          ),
          part.flatMap((u) => [tenantId, u.artifactId, u.fullName, u.email ?? '', u.isSystemAdmin ?? false]),
        )
      }
      // A user's workspace list is replaced as a whole when it is sent.
      const withWorkspaces = items.filter((u) => u.workspaceIds !== undefined)
      if (withWorkspaces.length === 0) return
      await tx.query(
        'DELETE FROM platform_user_workspaces WHERE tenant_id = $1 AND user_id = ANY($2::bigint[])',
        [tenantId, withWorkspaces.map((u) => u.artifactId)],
      )
      const pairs = withWorkspaces.flatMap((u) =>
        (u.workspaceIds ?? []).map((w) => [u.artifactId, w] as const),
      )
      for (const part of chunk(pairs, 10_000)) {
        await tx.query(
          `INSERT INTO platform_user_workspaces (tenant_id, user_id, workspace_id)
           SELECT $1, u, w FROM unnest($2::bigint[], $3::bigint[]) AS t(u, w)`,
          [tenantId, part.map((p) => p[0]), part.map((p) => p[1])],
        )
      }
    })
  },
})

export const documentsEntity = defineEntity({
  kind: 'documents',
  summary: 'Documents of a workspace, with their extracted-text size',
  schema: Type.Object(
    {
      artifactId: Type.Integer(POSITIVE_ID),
      workspaceId: Type.Integer(POSITIVE_ID),
      controlNumber: Type.String({ maxLength: 1024 }),
      extractedTextBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    },
    { additionalProperties: false },
  ),
  keyOf: (d) => `${d.workspaceId}/${d.artifactId}`,
  // Documents can number in the millions, so they live in the warehouse (newest version wins).
  upsert: (stores, tenantId, items) =>
    stores.warehouse.insert(
      'documents',
      items.map((d) => ({
        tenant_id: tenantId,
        workspace_id: d.workspaceId,
        artifact_id: d.artifactId,
        control_number: d.controlNumber,
        extracted_text_bytes: d.extractedTextBytes ?? 0,
      })),
    ),
})

export const FIELD_TYPES = [
  'SingleChoice',
  'MultipleChoice',
  'YesNo',
  'FixedLengthText',
  'LongText',
  'WholeNumber',
  'Decimal',
  'Currency',
  'Date',
  'User',
  'SingleObject',
  'MultipleObject',
  'File',
] as const

export const fieldsEntity = defineEntity({
  kind: 'fields',
  summary: 'Fields of a workspace, with the choices of choice fields',
  schema: Type.Object(
    {
      artifactId: Type.Integer(POSITIVE_ID),
      workspaceId: Type.Integer(POSITIVE_ID),
      name: Type.String(NAME),
      fieldType: Type.Enum([...FIELD_TYPES]),
      choices: Type.Optional(
        Type.Array(
          Type.Object(
            { artifactId: Type.Integer(POSITIVE_ID), name: Type.String(NAME) },
            { additionalProperties: false },
          ),
          { maxItems: 10_000 },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  keyOf: (f) => String(f.artifactId),
  check(field) {
    const ids = (field.choices ?? []).map((c) => c.artifactId)
    const repeated = ids.find((id, i) => ids.indexOf(id) !== i)
    if (repeated !== undefined) throw new EventError(`choices: artifactId ${repeated} appears more than once`)
  },
  async upsert(stores, tenantId, items) {
    const columns = ['tenant_id', 'artifact_id', 'workspace_id', 'name', 'field_type']
    await stores.control.transaction(async (tx) => {
      for (const part of chunk(items, ROWS_PER_STATEMENT)) {
        await tx.query(
          upsertStatement('fields', columns, ['tenant_id', 'artifact_id'], part.length, 'updated_at = now()'),
          part.flatMap((f) => [tenantId, f.artifactId, f.workspaceId, f.name, f.fieldType]),
        )
      }
      // A field's choice list is replaced as a whole when it is sent, keeping the order given.
      const withChoices = items.filter((f) => f.choices !== undefined)
      if (withChoices.length === 0) return
      await tx.query('DELETE FROM field_choices WHERE tenant_id = $1 AND field_id = ANY($2::bigint[])', [
        tenantId,
        withChoices.map((f) => f.artifactId),
      ])
      const choices = withChoices.flatMap((f) =>
        (f.choices ?? []).map((c, i) => [f.artifactId, c.artifactId, c.name, i] as const),
      )
      for (const part of chunk(choices, 10_000)) {
        await tx.query(
          `INSERT INTO field_choices (tenant_id, field_id, artifact_id, name, ordinal)
           SELECT $1, f, c, n, o FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::int[]) AS t(f, c, n, o)`,
          [
            tenantId,
            part.map((p) => p[0]),
            part.map((p) => p[1]),
            part.map((p) => p[2]),
            part.map((p) => p[3]),
          ],
        )
      }
    })
  },
})

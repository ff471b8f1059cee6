import type { SourceName } from './sources.js'

/**
 * The usage reports' metrics catalog, declared as data. Ids never change: the metrics the usage
 * reports document shows keep its GUIDs and names exactly (one name ends in a space there, and
 * here), and the ids of its sample reports name the metrics their sample values fit. Each metric
 * says how the report job computes it; docs/usage-metrics.md explains every one.
 */

export type ValueType = 'Int64' | 'Double' | 'Text' | 'DateTime'
export type ReportType = 'Workspace' | 'User'
export type Cell = number | string | null

/** A workspace as the `workspaces` entity describes it. */
export interface WorkspaceAttributes {
  artifactId: number
  name: string
  clientDomain: string
  matter: string
  template: string
  status: string
  createdAt: string | null
}

/** A user as the `users` entity describes it. */
export interface UserAttributes {
  artifactId: number
  fullName: string
  email: string
  isSystemAdmin: boolean
}

/**
 * How a metric's value is found:
 * - `workspace` / `user`: an attribute of the row's workspace or user (reference data);
 * - `period`: the row's month (Workspace reports);
 * - `capturedAt`: when the report job read the user list;
 * - `aggregate`: a ClickHouse aggregate over the source `from` (sources.ts), per workspace and
 *   month (Workspace reports) or per user (User reports), within the report's date range; `empty`
 *   when no row matched.
 */
export type MetricSource =
  | { kind: 'workspace'; value: (workspace: WorkspaceAttributes) => Cell }
  | { kind: 'user'; value: (user: UserAttributes) => Cell }
  | { kind: 'period' }
  | { kind: 'capturedAt' }
  | { kind: 'aggregate'; from: SourceName; sql: string; empty: Cell }

export interface Metric {
  id: string
  name: string
  description: string
  valueType: ValueType
  originId: string
  reportType: ReportType
  isDefault: boolean
  source: MetricSource
}

export interface Origin {
  id: string
  name: string
  metrics: Metric[]
}

/** Bytes as decimal gigabytes, 2 decimals: how volumes are billed and shown. */
const gigabytes = (bytes: string) => `round(${bytes} / 1e9, 2)`
/** Jobs of a type that ended well: a processing set is billed when Completed or Completed with Errors. */
const finished = (jobType: string) =>
  `job_type = '${jobType}' AND status IN ('Completed', 'Completed with Errors')`

type MetricInput = Omit<Metric, 'originId' | 'reportType' | 'isDefault'> & { isDefault?: boolean }

function origin(id: string, name: string, reportType: ReportType, metrics: MetricInput[]): Origin {
  return {
    id,
    name,
    metrics: metrics.map((m) => ({ ...m, originId: id, reportType, isDefault: m.isDefault ?? false })),
  }
}

const workspaceArtifactId = (id: string, description: string): MetricInput => ({
  id,
  name: 'Workspace Artifact ID',
  description,
  valueType: 'Int64',
  source: { kind: 'workspace', value: (w) => w.artifactId },
})

export const ORIGINS: readonly Origin[] = [
  origin('35dff1e2-c391-4fa4-9897-0999358f8c13', 'Workspace Utilization', 'Workspace', [
    workspaceArtifactId(
      '18af070c-5f4a-407b-a4c8-93b1c4fffc34',
      'The unique identifier for the workspace within the instance.',
    ),
    {
      id: 'bd708c94-c51b-44e5-bc2d-29378fe72bf7',
      name: 'Report Period',
      description:
        'The month and year that the workspace utilization metrics covers. This will be formatted in month/year.',
      valueType: 'DateTime',
      source: { kind: 'period' },
    },
    {
      id: '233c0387-a246-4b9f-80b4-772ab8d41062',
      name: 'Workspace Name',
      description: 'The name of the workspace.',
      valueType: 'Text',
      isDefault: true,
      source: { kind: 'workspace', value: (w) => w.name },
    },
    {
      id: '4b7a9d1f-8c3e-4e0c-8d2b-9a6a5c0f3e1a',
      name: 'Workspace Template',
      description: 'The template the workspace was created from.',
      valueType: 'Text',
      source: { kind: 'workspace', value: (w) => w.template || null },
    },
    {
      id: '3749241a-d2f7-45d3-a798-0ab7d20c8b71',
      name: 'Client Name',
      description: 'The client (client domain) the workspace belongs to.',
      valueType: 'Text',
      isDefault: true,
      source: { kind: 'workspace', value: (w) => w.clientDomain || null },
    },
    {
      id: '89b2fc03-8cd9-494c-8204-4a62fd05975b',
      name: 'Matter Name',
      description: 'The matter the workspace belongs to.',
      valueType: 'Text',
      source: { kind: 'workspace', value: (w) => w.matter || null },
    },
    {
      id: '05b152e6-c56c-40fd-a4ef-853efa4ba624',
      name: 'Workspace Created Date',
      description: 'The date and time the workspace was created, in UTC.',
      valueType: 'DateTime',
      source: { kind: 'workspace', value: (w) => w.createdAt },
    },
    {
      id: '22b3b108-6f7b-479e-af42-28b8e2628ed7',
      name: 'Workspace Status',
      description: 'The status of the workspace (Active, Inactive, …) when the report ran.',
      valueType: 'Text',
      source: { kind: 'workspace', value: (w) => w.status },
    },
    {
      id: 'f68f2d4c-ba9a-4831-a903-113ad5ce4b91',
      name: 'Peak Cold Storage Data (GB)',
      description: 'The largest amount of data in cold storage on any day of the period, in GB.',
      valueType: 'Double',
      source: {
        kind: 'aggregate',
        from: 'workspace_usage',
        sql: gigabytes('max(cold_storage_bytes)'),
        empty: null,
      },
    },
    {
      id: 'ece1332d-39ba-4460-a50e-345deba7af05',
      name: 'Peak Review Data (GB)',
      description: 'The largest amount of data in active review on any day of the period, in GB.',
      valueType: 'Double',
      isDefault: true,
      source: {
        kind: 'aggregate',
        from: 'workspace_usage',
        sql: gigabytes('max(review_bytes)'),
        empty: null,
      },
    },
    {
      id: '61bc4e25-ce8e-415c-bb55-6863f3844af0',
      name: 'Peak Repository Data (GB)',
      description: 'The largest amount of data held as repository on any day of the period, in GB.',
      valueType: 'Double',
      source: {
        kind: 'aggregate',
        from: 'workspace_usage',
        sql: gigabytes('max(repository_bytes)'),
        empty: null,
      },
    },
    {
      id: '4f8b9cf2-8e45-4b27-babc-3753e8a77f8c',
      name: 'Document Count',
      description: 'The number of documents in the workspace at the last snapshot of the period.',
      valueType: 'Int64',
      isDefault: true,
      source: {
        kind: 'aggregate',
        from: 'workspace_usage',
        sql: 'argMax(document_count, snapshot_at)',
        empty: null,
      },
    },
    {
      id: '29b400b3-4f47-4f8c-badf-94e2a5969763',
      name: 'Active Users',
      description: 'The number of distinct users with audited activity in the workspace during the period.',
      valueType: 'Int64',
      source: { kind: 'aggregate', from: 'audits', sql: 'uniqExact(user_id)', empty: 0 },
    },
    {
      id: 'd5e8b449-410c-427e-a44a-7d680aa5e890',
      name: 'Audited Actions',
      description: 'The number of audited actions in the workspace during the period.',
      valueType: 'Int64',
      source: { kind: 'aggregate', from: 'audits', sql: 'count()', empty: 0 },
    },
    {
      id: 'b1c6dc54-db48-495c-9b76-15570a4d9f2c',
      name: 'Licensed Active Users',
      description:
        'The number of distinct users with audited activity in the workspace during the period who held a license at some time in that month.',
      valueType: 'Int64',
      source: { kind: 'aggregate', from: 'licensed_activity', sql: 'uniqExact(user_id)', empty: 0 },
    },
  ]),
  origin('229954a5-052d-4c67-b144-5e07847a52f4', 'Processing Statistics', 'Workspace', [
    workspaceArtifactId(
      '6f9619ff-8b86-d011-b42d-00c04fc964ff',
      'The unique identifier for the Workspace within the instance.',
    ),
    {
      id: '59f7c2a8-feb3-4ee0-8f4a-d7359ee58d17',
      name: 'Processing Data Source Count',
      description:
        'The number of data sources for the processing set where the status is either “Completed” or “Completed with Errors”.',
      valueType: 'Int64',
      source: {
        kind: 'aggregate',
        from: 'processing_jobs',
        sql: `sumIf(data_sources, ${finished('Processing')})`,
        empty: 0,
      },
    },
    {
      id: '47568b46-8a04-43fe-bfb1-e79cc411f0a9',
      name: 'Processing Sets Completed',
      description: 'The number of processing sets that ended “Completed” or “Completed with Errors”.',
      valueType: 'Int64',
      source: {
        kind: 'aggregate',
        from: 'processing_jobs',
        sql: `countIf(${finished('Processing')})`,
        empty: 0,
      },
    },
    {
      id: '9c49b354-ee4a-4ed9-bdbf-1375e7737968',
      name: 'Processed Data (GB)',
      description:
        'The data read by processing sets that ended “Completed” or “Completed with Errors”, in GB.',
      valueType: 'Double',
      source: {
        kind: 'aggregate',
        from: 'processing_jobs',
        sql: gigabytes(`sumIf(input_bytes, ${finished('Processing')})`),
        empty: 0,
      },
    },
  ]),
  origin('eb6ba799-31fc-4f92-abff-690dd341cd08', 'Processing Utilization', 'Workspace', [
    {
      id: 'f0931643-5aee-414a-9c53-495b71bae5fc',
      name: 'Contracts Document Units',
      description: 'The total number of document units processed using Relativity Contracts.',
      valueType: 'Int64',
      source: {
        kind: 'aggregate',
        from: 'processing_jobs',
        sql: `sumIf(document_units, ${finished('Contracts')})`,
        empty: 0,
      },
    },
    {
      id: '241df315-c954-405f-8d09-0ac5cfdb7de3',
      name: 'Current Data Breach File Size ',
      description: 'The current size of data included in Data Breach Response.',
      valueType: 'Double',
      source: {
        kind: 'aggregate',
        from: 'workspace_usage',
        sql: gigabytes('argMax(data_breach_bytes, snapshot_at)'),
        empty: null,
      },
    },
    {
      id: 'fcfdb1b9-0207-4851-a8f9-b653e4bbc851',
      name: 'Imaged Pages',
      description: 'The number of pages imaged by imaging jobs that completed.',
      valueType: 'Int64',
      source: {
        kind: 'aggregate',
        from: 'processing_jobs',
        sql: `sumIf(pages, ${finished('Imaging')})`,
        empty: 0,
      },
    },
    {
      id: '102c4048-5ef7-45ba-97a4-4872f8c0a84f',
      name: 'OCR Pages',
      description: 'The number of pages read by OCR jobs that completed.',
      valueType: 'Int64',
      source: {
        kind: 'aggregate',
        from: 'processing_jobs',
        sql: `sumIf(pages, ${finished('OCR')})`,
        empty: 0,
      },
    },
    {
      id: '40d897b5-113a-42e8-a354-2580b726d757',
      name: 'Produced Pages',
      description: 'The number of pages produced by productions that completed.',
      valueType: 'Int64',
      source: {
        kind: 'aggregate',
        from: 'processing_jobs',
        sql: `sumIf(pages, ${finished('Production')})`,
        empty: 0,
      },
    },
    {
      id: '95d37233-b2d9-4e19-8f31-2304389ddbc0',
      name: 'Translation Document Units',
      description: 'The number of documents translated by translation jobs that completed.',
      valueType: 'Int64',
      source: {
        kind: 'aggregate',
        from: 'processing_jobs',
        sql: `sumIf(document_units, ${finished('Translation')})`,
        empty: 0,
      },
    },
    {
      id: '3ee3d8f3-18df-4a4e-b342-bdf344d8d352',
      name: 'Analytics Indexed Documents',
      description: 'The number of documents indexed by analytics jobs that completed.',
      valueType: 'Int64',
      source: {
        kind: 'aggregate',
        from: 'processing_jobs',
        sql: `sumIf(document_units, ${finished('Analytics')})`,
        empty: 0,
      },
    },
  ]),
  origin('3f7d2ad3-e7d3-4866-bda2-4c7494dcc690', 'User Information', 'User', [
    {
      id: 'a6bda9d5-23d7-4b6c-86f8-513d55e8f66e',
      name: 'User Email Address',
      description: 'The email address associated to the user.',
      valueType: 'Text',
      isDefault: true,
      source: { kind: 'user', value: (u) => u.email || null },
    },
    {
      id: '39a5b2b5-6aef-4d67-9bc4-f63c730883f9',
      name: 'Enabled User Information Capture Date-Time',
      description:
        'The date/time that the enabled user information were captured from the instance. The value is shown in UTC.',
      valueType: 'DateTime',
      isDefault: true,
      source: { kind: 'capturedAt' },
    },
    {
      id: '4c1fa36e-0fda-4f6a-abb9-2d542be04fd2',
      name: 'User Artifact ID',
      description: 'The unique identifier for the user within the instance.',
      valueType: 'Int64',
      source: { kind: 'user', value: (u) => u.artifactId },
    },
    {
      id: 'e42e478d-5dcc-49bd-b91b-3de824a92c3a',
      name: 'Full Name',
      description: 'The full name of the user (Last, First).',
      valueType: 'Text',
      isDefault: true,
      source: { kind: 'user', value: (u) => u.fullName },
    },
    {
      id: '6bd6b190-85ff-49a9-832d-e66a07959b3d',
      name: 'System Administrator',
      description: 'Yes when the user is a member of the system administrators group, otherwise No.',
      valueType: 'Text',
      source: { kind: 'user', value: (u) => (u.isSystemAdmin ? 'Yes' : 'No') },
    },
  ]),
  origin('30d758e1-76f7-486f-8579-e4b5a361e75c', 'Workspace Information', 'User', [
    {
      id: 'bc1caedc-e3f9-4d29-a4cb-04e7942f598f',
      name: 'Workspace ArtifactID',
      description:
        'The unique identifier for the workspace within the instance. Including this field creates a many-to-many relationship table between user information and workspace details.',
      valueType: 'Int64',
      source: { kind: 'workspace', value: (w) => w.artifactId },
    },
    {
      id: 'a871c32c-854b-4b49-ac00-5aa005f58c9a',
      name: 'Workspace Name',
      description:
        'The name of the workspace. Including this field creates a many-to-many relationship table between user information and workspace details.',
      valueType: 'Text',
      source: { kind: 'workspace', value: (w) => w.name || null },
    },
    {
      id: '3710cb11-93dc-4a75-86cc-a989dea859d8',
      name: 'Client Domain',
      description:
        'The client domain of the workspace. Including this field creates a many-to-many relationship table between user information and workspace details.',
      valueType: 'Text',
      source: { kind: 'workspace', value: (w) => w.clientDomain || null },
    },
  ]),
  origin('4a7b390a-5f01-4cbf-9069-6cc0a32d4f0a', 'User Activity', 'User', [
    {
      id: '27e8b363-7f6a-4d85-be85-32533b3f3f5a',
      name: 'Last Login Date',
      description: 'The date and time of the user’s last login during the period, in UTC.',
      valueType: 'DateTime',
      source: {
        kind: 'aggregate',
        from: 'audits',
        sql: 'maxIfOrNull(timestamp, action_id = 25)',
        empty: null,
      },
    },
    {
      id: '965e287d-cc4a-4501-b43a-b7fb3f1cfd0a',
      name: 'Login Count',
      description: 'The number of times the user logged in during the period.',
      valueType: 'Int64',
      source: { kind: 'aggregate', from: 'audits', sql: 'countIf(action_id = 25)', empty: 0 },
    },
    {
      id: 'c2711afd-d26c-4978-8991-77a7d0bb486a',
      name: 'Audited Actions',
      description: 'The number of audited actions of the user during the period.',
      valueType: 'Int64',
      source: { kind: 'aggregate', from: 'audits', sql: 'count()', empty: 0 },
    },
    {
      id: '809902ee-44ff-4c08-934f-3bd39dd82a36',
      name: 'Documents Reviewed',
      description: 'The number of distinct documents the user viewed or edited during the period.',
      valueType: 'Int64',
      source: {
        kind: 'aggregate',
        from: 'audits',
        sql: 'uniqExactIf((workspace_id, artifact_id), object_type_id = 10 AND action_id IN (1, 3))',
        empty: 0,
      },
    },
  ]),
  origin('1927c89d-85bc-4ac6-b7a4-ffeb8a2dc775', 'User Licensing', 'User', [
    {
      id: 'd9e2f51f-e2c4-4390-9894-b4de1fc90753',
      name: 'License Type',
      description:
        'The license the user held last during the period (at its end, or until it was removed); empty when the user held none.',
      valueType: 'Text',
      source: {
        kind: 'aggregate',
        from: 'license_periods',
        sql: 'argMax(license_type, held_from)',
        empty: null,
      },
    },
    {
      id: '90112de5-4fd1-46c6-88eb-4dd166db2791',
      name: 'Licensed User',
      description:
        'Yes when the user held a license at any time during the period (a user the period’s licenses bill), otherwise No.',
      valueType: 'Text',
      // A user with a held period has a row in the aggregate; one with none gets `empty`.
      source: { kind: 'aggregate', from: 'license_periods', sql: "'Yes'", empty: 'No' },
    },
    {
      id: 'a7646fad-9a72-4b07-9103-5957d7337504',
      name: 'Days Licensed',
      description: 'The number of days of the period (UTC) on which the user held a license at some time.',
      valueType: 'Int64',
      source: { kind: 'aggregate', from: 'license_periods', sql: 'sum(days)', empty: 0 },
    },
  ]),
]

export const METRICS: ReadonlyMap<string, Metric> = new Map(
  ORIGINS.flatMap((o) => o.metrics).map((metric) => [metric.id, metric]),
)

/** The Workspace Information origin: selecting one of its metrics makes a User report per (user, workspace). */
export const WORKSPACE_INFORMATION_ORIGIN = '30d758e1-76f7-486f-8579-e4b5a361e75c'

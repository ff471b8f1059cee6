import Type from 'typebox'
import { EventSchema, Instant, ID_TEXT, POSITIVE_ID, defineStream, orEmpty, toUtc } from '../stream.js'

/** Sizes and counts: whole, non-negative, and within what a double holds exactly. */
const AMOUNT = { minimum: 0, maximum: Number.MAX_SAFE_INTEGER }
const Bytes = (description: string) => Type.Optional(Type.Integer({ ...AMOUNT, description }))

/**
 * A workspace's volumes on one day, as the platform measures them (once a day, or more often: a
 * report takes the peak, or the latest, of the snapshots in its period).
 */
export const workspaceUsageStream = defineStream({
  name: 'workspace-usage',
  table: 'workspace_usage',
  timeColumn: 'snapshot_at',
  summary: 'Daily snapshots of a workspace: documents and data volumes',
  schema: EventSchema(
    {
      workspaceId: Type.Integer({ ...POSITIVE_ID, description: 'Workspace artifact id' }),
      snapshotAt: Instant('When the volumes were measured'),
      documentCount: Type.Integer({ ...AMOUNT, description: 'Documents in the workspace' }),
      reviewBytes: Bytes('Data in active review (natives, images, extracted text), in bytes'),
      repositoryBytes: Bytes('Data held in repository workspaces, in bytes'),
      coldStorageBytes: Bytes('Data in cold storage, in bytes'),
      dataBreachBytes: Bytes('Data included in Data Breach Response, in bytes'),
    },
    'One snapshot of a workspace.',
  ),
  toRow: (event, tenantId) => ({
    tenant_id: tenantId,
    workspace_id: event.workspaceId,
    snapshot_at: toUtc(event.snapshotAt),
    document_count: event.documentCount,
    review_bytes: event.reviewBytes ?? 0,
    repository_bytes: event.repositoryBytes ?? 0,
    cold_storage_bytes: event.coldStorageBytes ?? 0,
    data_breach_bytes: event.dataBreachBytes ?? 0,
    ingest_key: orEmpty(event.id),
  }),
})

export const PROCESSING_JOB_TYPES = [
  'Processing',
  'Imaging',
  'OCR',
  'Production',
  'Translation',
  'Analytics',
  'Contracts',
] as const
export const PROCESSING_JOB_STATUSES = ['Completed', 'Completed with Errors', 'Failed', 'Cancelled'] as const

/** A processing-type job that ended in a workspace: what it read and what it produced. */
export const processingJobsStream = defineStream({
  name: 'processing-jobs',
  table: 'processing_jobs',
  timeColumn: 'completed_at',
  summary: 'Processing, imaging, OCR, production, translation, analytics and contracts jobs',
  schema: EventSchema(
    {
      workspaceId: Type.Integer({ ...POSITIVE_ID, description: 'Workspace artifact id' }),
      jobId: Type.String({ ...ID_TEXT, description: 'The job id in the platform' }),
      jobType: Type.Enum([...PROCESSING_JOB_TYPES]),
      status: Type.Enum([...PROCESSING_JOB_STATUSES], { description: 'How the job ended' }),
      completedAt: Instant('When the job ended'),
      dataSources: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: 'Data sources of a processing set' }),
      ),
      inputBytes: Bytes('Data the job read, in bytes'),
      documentUnits: Bytes('Documents the job handled (translated, indexed, analyzed, …)'),
      pages: Bytes('Pages the job produced (imaged, OCRed, produced)'),
    },
    'One job that ended.',
  ),
  toRow: (event, tenantId) => ({
    tenant_id: tenantId,
    workspace_id: event.workspaceId,
    completed_at: toUtc(event.completedAt),
    job_id: event.jobId,
    job_type: event.jobType,
    status: event.status,
    data_sources: event.dataSources ?? 0,
    input_bytes: event.inputBytes ?? 0,
    document_units: event.documentUnits ?? 0,
    pages: event.pages ?? 0,
    ingest_key: orEmpty(event.id),
  }),
})

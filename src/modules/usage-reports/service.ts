import { randomUUID } from 'node:crypto'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js'
import { enqueueJob } from '../../jobs/queue.js'
import { JobAbortedError, type JobContext, type JobFailure, type JobRegistry } from '../../jobs/registry.js'
import type { Stores } from '../../store/stores.js'
import { UnauthenticatedError, type Caller, type ScopeRef } from '../identity/caller.js'
import { METRICS, type Cell, type ReportType } from './catalog.js'
import { reportRows, ROWS_PER_BATCH, type ReportDefinition } from './compute.js'

export const REPORT_STATUSES = ['Scheduled', 'InProgress', 'Finished', 'Failed'] as const
export type ReportStatus = (typeof REPORT_STATUSES)[number]

export interface UsageReport {
  id: string
  tenantUuid: string
  tenantId: number
  name: string
  type: ReportType
  from: string
  to: string
  fields: string[]
  status: ReportStatus
  failureReason: string | null
  owner: string
  workspaceIds: number[] | null
  version: number
  /** As the document shows it: `2024-02-01T12:00:00.8222732+00:00`. */
  createdAt: string
  runId: string | null
  totalItems: number | null
}

interface ReportRow {
  id: string
  tenant_uuid: string
  tenant_id: number
  name: string
  report_type: ReportType
  date_from: string
  date_to: string
  fields: string[]
  status: ReportStatus
  failure_reason: string | null
  owner: string
  workspace_ids: (string | number)[] | null
  version: number
  created_at: string
  run_id: string | null
  total_items: string | number | null
}

const SELECT_REPORT = `SELECT r.id::text AS id, t.uuid::text AS tenant_uuid, r.tenant_id, r.name, r.report_type,
    to_char(r.date_from, 'YYYY-MM-DD') AS date_from, to_char(r.date_to, 'YYYY-MM-DD') AS date_to, r.fields,
    r.status, r.failure_reason, r.owner, r.workspace_ids, r.version,
    to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '0+00:00' AS created_at,
    r.run_id, r.total_items
  FROM usage_reports r JOIN tenants t ON t.id = r.tenant_id`

const parseReport = (row: ReportRow): UsageReport => ({
  id: row.id,
  tenantUuid: row.tenant_uuid,
  tenantId: Number(row.tenant_id),
  name: row.name,
  type: row.report_type,
  from: row.date_from,
  to: row.date_to,
  fields: row.fields,
  status: row.status,
  failureReason: row.failure_reason,
  owner: row.owner,
  workspaceIds: row.workspace_ids === null ? null : row.workspace_ids.map(Number),
  version: Number(row.version),
  createdAt: row.created_at,
  runId: row.run_id,
  totalItems: row.total_items === null ? null : Number(row.total_items),
})

/** The job kind that materializes a report's rows. */
export const USAGE_REPORT_JOB = 'usage-report.generate'
const USAGE_REPORT_MAX_ATTEMPTS = 3
/** A details page holds at most this many rows. */
export const MAX_PAGE_SIZE = 1000
/** The last page number asked for: (pageNumber - 1) × pageSize stays an exact integer well past any report. */
export const MAX_PAGE_NUMBER = 1_000_000_000
/** A report may span at most this many days (ten years): its months are its rows. */
const MAX_RANGE_DAYS = 3660
/** The days the warehouse's DateTime64 holds; a range outside them would be read clamped. */
const FIRST_DAY = '1900-01-01'
const LAST_DAY = '2299-12-31'

/** Who owns what a caller creates: users by id (an OAuth2 client acts as its context user). */
function ownerOf(caller: Caller): string {
  const principal = caller.principal
  if (principal.kind === 'user' || principal.kind === 'client') return `user:${principal.userId}`
  if (principal.kind === 'system') return 'system'
  throw new UnauthenticatedError()
}

/**
 * What a caller may do with usage reports (the document's two permissions): instance-wide sees
 * every workspace and every report of the tenant; client domain only the workspaces the caller can
 * access, and only the caller's own reports.
 */
function reportAccess(caller: Caller): 'instance' | 'client_domain' {
  ownerOf(caller)
  if (caller.access.has('View Instance-wide Usage Reports')) return 'instance'
  if (caller.access.has('View Client Domain Usage Reports')) return 'client_domain'
  throw new ForbiddenError(
    "this needs the 'View Instance-wide Usage Reports' or 'View Client Domain Usage Reports' permission",
  )
}

/** Checks the caller may use usage reports at all (the metadata needs no more). */
export function requireUsageReportAccess(caller: Caller): void {
  reportAccess(caller)
}

export interface CreateReportInput {
  name: string
  from: string
  to: string
  fields: string[]
}

/** The metrics' report type, or a 400 naming the unknown metric or both types when they mix. */
function reportTypeOf(fields: readonly string[]): ReportType {
  if (fields.length === 0)
    throw new ValidationError('fields: select at least one metric (GET …/metadata lists them)')
  const types = new Map<ReportType, string>()
  for (const id of fields) {
    const metric = METRICS.get(id.toLowerCase())
    if (!metric) throw new ValidationError(`fields: '${id}' is not a metric (GET …/metadata lists them)`)
    types.set(metric.reportType, metric.name.trim())
  }
  if (types.size > 1) {
    throw new ValidationError(
      `fields: metrics of one reportType only; '${types.get('Workspace')}' is a Workspace metric and '${types.get('User')}' a User metric`,
    )
  }
  return [...types.keys()][0]!
}

/**
 * The workspaces a client-domain caller can access, by Workspace Access grants on the workspace or
 * its client domain (the scopes workspaceScopes names), read in one statement: a query per
 * workspace made creating a report take ~10 s for 10,000 workspaces (0.2 s this way).
 */
async function accessibleWorkspaces(stores: Stores, caller: Caller): Promise<number[]> {
  const rows = await stores.control.query<{ artifact_id: string | number; client_domain: string | null }>(
    'SELECT artifact_id, client_domain FROM workspaces WHERE tenant_id = $1 ORDER BY artifact_id',
    [caller.tenantId],
  )
  return rows
    .filter((row) => {
      const scopes: ScopeRef[] = [{ kind: 'workspace', value: String(row.artifact_id) }]
      if (row.client_domain) scopes.push({ kind: 'client_domain', value: row.client_domain })
      return caller.access.has('Workspace Access', scopes)
    })
    .map((row) => Number(row.artifact_id))
}

export async function createReport(
  stores: Stores,
  caller: Caller,
  input: CreateReportInput,
): Promise<UsageReport> {
  const access = reportAccess(caller)
  if (input.name.trim() === '') throw new ValidationError('name: give the report a name')
  for (const [end, day] of [
    ['from', input.from],
    ['to', input.to],
  ] as const) {
    if (day < FIRST_DAY || day > LAST_DAY)
      throw new ValidationError(`dateRange.${end}: ${day} is outside ${FIRST_DAY} … ${LAST_DAY}`)
  }
  if (input.to < input.from) {
    throw new ValidationError(`dateRange.to: ${input.to} is before dateRange.from ${input.from}`)
  }
  if ((Date.parse(input.to) - Date.parse(input.from)) / 86_400_000 > MAX_RANGE_DAYS) {
    throw new ValidationError(`dateRange: at most ${MAX_RANGE_DAYS} days`)
  }
  const fields = input.fields.map((id) => id.toLowerCase())
  const repeated = fields.find((id, i) => fields.indexOf(id) !== i)
  if (repeated) throw new ValidationError(`fields: '${repeated}' is listed twice`)
  const type = reportTypeOf(fields)
  const workspaceIds = access === 'instance' ? null : await accessibleWorkspaces(stores, caller)
  const id = randomUUID()
  await stores.control.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO usage_reports (id, tenant_id, name, report_type, date_from, date_to, fields, status, owner, workspace_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'Scheduled', $8, $9)`,
      [id, caller.tenantId, input.name, type, input.from, input.to, fields, ownerOf(caller), workspaceIds],
    )
    await enqueueJob(tx, {
      tenantId: caller.tenantId,
      kind: USAGE_REPORT_JOB,
      payload: { reportId: id } satisfies GeneratePayload,
      maxAttempts: USAGE_REPORT_MAX_ATTEMPTS,
    })
  })
  return loadReport(stores, caller.tenantId, id)
}

async function loadReport(stores: Stores, tenantId: number, id: string): Promise<UsageReport> {
  const report = await findReport(stores, tenantId, id)
  if (!report) throw new NotFoundError(`Report ${id}`)
  return report
}

async function findReport(stores: Stores, tenantId: number, id: string): Promise<UsageReport | undefined> {
  const [row] = await stores.control.query<ReportRow>(
    `${SELECT_REPORT} WHERE r.tenant_id = $1 AND r.id = $2::uuid`,
    [tenantId, id],
  )
  return row && parseReport(row)
}

/** A report the caller may see; someone else's report is as unknown as a missing one. */
export async function getReport(stores: Stores, caller: Caller, id: string): Promise<UsageReport> {
  const access = reportAccess(caller)
  const report = await findReport(stores, caller.tenantId, id)
  if (!report || (access !== 'instance' && report.owner !== ownerOf(caller)))
    throw new NotFoundError(`Report ${id}`)
  return report
}

/** The reports the caller may see, newest first. */
export async function listReports(stores: Stores, caller: Caller): Promise<UsageReport[]> {
  const access = reportAccess(caller)
  const rows = await stores.control.query<ReportRow>(
    `${SELECT_REPORT} WHERE r.tenant_id = $1 AND ($2::text IS NULL OR r.owner = $2) ORDER BY r.created_at DESC, r.id`,
    [caller.tenantId, access === 'instance' ? null : ownerOf(caller)],
  )
  return rows.map(parseReport)
}

/** Deletes the definition and every row any run of it wrote. */
export async function deleteReport(stores: Stores, caller: Caller, id: string): Promise<void> {
  const report = await getReport(stores, caller, id)
  await stores.control.query('DELETE FROM usage_reports WHERE tenant_id = $1 AND id = $2::uuid', [
    report.tenantId,
    report.id,
  ])
  await deleteRows(stores, report.tenantId, report.id)
}

/** Deletes a report's rows: all of them, one run's (`only`), or every run's but one (`except`). */
async function deleteRows(
  stores: Stores,
  tenantId: number,
  reportId: string,
  runs: { only?: string; except?: string } = {},
): Promise<void> {
  await stores.warehouse.command({
    query: `DELETE FROM report_rows WHERE tenant_id = {tenant:UInt32} AND report_id = {report:String}
            AND ({only:String} = '' OR run_id = {only:String}) AND run_id != {except:String}`,
    params: { tenant: tenantId, report: reportId, only: runs.only ?? '', except: runs.except ?? '' },
    tag: 'usage-report:delete',
  })
}

function requireFinished(report: UsageReport): { runId: string; totalItems: number } {
  if (report.status !== 'Finished' || report.runId === null) {
    const why = report.status === 'Failed' ? `Failed: ${report.failureReason}` : report.status
    throw new ConflictError(`Report ${report.id} is ${why}; its rows are ready when it is Finished`)
  }
  return { runId: report.runId, totalItems: report.totalItems ?? 0 }
}

export interface DetailsPage {
  report: UsageReport
  items: Cell[][]
  currentPage: number
  pageSize: number
  totalItems: number
}

/** One 1-based page of a finished report's rows. */
export async function reportDetails(
  stores: Stores,
  caller: Caller,
  id: string,
  pageNumber: number,
  pageSize: number,
): Promise<DetailsPage> {
  const report = await getReport(stores, caller, id)
  const { runId, totalItems } = requireFinished(report)
  const first = (pageNumber - 1) * pageSize
  const rows = await stores.warehouse.query<{ values: string }>({
    query: `SELECT values FROM report_rows
            WHERE tenant_id = {tenant:UInt32} AND report_id = {report:String} AND run_id = {run:String}
              AND row_number > {first:UInt64} AND row_number <= {last:UInt64}
            ORDER BY row_number`,
    params: { tenant: report.tenantId, report: report.id, run: runId, first, last: first + pageSize },
    tag: 'usage-report:details',
  })
  return {
    report,
    items: rows.map((row) => JSON.parse(row.values) as Cell[]),
    currentPage: pageNumber,
    pageSize,
    totalItems,
  }
}

/** Every row of a finished report, in order, read in keyset chunks so memory stays bounded. */
export async function* readAllRows(stores: Stores, report: UsageReport): AsyncGenerator<Cell[][]> {
  const { runId } = requireFinished(report)
  for (let after = 0; ; after += ROWS_PER_BATCH) {
    const rows = await stores.warehouse.query<{ values: string }>({
      query: `SELECT values FROM report_rows
              WHERE tenant_id = {tenant:UInt32} AND report_id = {report:String} AND run_id = {run:String}
                AND row_number > {after:UInt64} AND row_number <= {until:UInt64}
              ORDER BY row_number`,
      params: {
        tenant: report.tenantId,
        report: report.id,
        run: runId,
        after,
        until: after + ROWS_PER_BATCH,
      },
      tag: 'usage-report:download',
    })
    if (rows.length === 0) return
    yield rows.map((row) => JSON.parse(row.values) as Cell[])
  }
}

/** Checks the report is Finished (for a download, before any byte is sent). */
export function requireDownloadable(report: UsageReport): void {
  requireFinished(report)
}

interface GeneratePayload {
  reportId: string
}

/**
 * The report job. Each run takes the report under a fresh run id (`run_id` while InProgress) and
 * writes its rows under it. It finishes only if the report is still its own: a run whose job was
 * re-claimed by another worker (its lease ran out while it was still writing) cannot point the
 * report at its rows, and drops them. The finishing run drops every other run's rows (a run cut
 * short by a restart leaves rows no report points at). A report already Finished stays as it is.
 * A failed run leaves the report Scheduled (the job is retried, or a shutdown hands it back to
 * the queue) unless its job was cancelled; the job's failure hook (reportFailed) marks the report
 * Failed when the job fails for good, also when its last attempt's worker died mid-run.
 */
async function generate(stores: Stores, payload: GeneratePayload, ctx: JobContext): Promise<unknown> {
  const { tenantId } = ctx.job
  const report = await findReport(stores, tenantId, payload.reportId)
  if (!report) return { skipped: 'the report was deleted' }
  if (report.status === 'Finished') return { skipped: 'the report is already finished' }
  const runId = randomUUID()
  await stores.control.query(
    "UPDATE usage_reports SET status = 'InProgress', failure_reason = NULL, run_id = $3 WHERE tenant_id = $1 AND id = $2::uuid",
    [tenantId, report.id, runId],
  )
  /** Updates the report only while it is this run's; answers whether it was. */
  const updateOwn = async (set: string, values: unknown[]) =>
    (
      await stores.control.query<{ id: string }>(
        `UPDATE usage_reports SET ${set} WHERE tenant_id = $1 AND id = $2::uuid AND run_id = $3 RETURNING id::text AS id`,
        [tenantId, report.id, runId, ...values],
      )
    ).length > 0
  const definition: ReportDefinition = {
    tenantId,
    type: report.type,
    from: report.from,
    to: report.to,
    fields: report.fields,
    workspaceIds: report.workspaceIds,
  }
  try {
    let written = 0
    for await (const batch of reportRows(stores, definition, new Date())) {
      await stores.warehouse.insert(
        'report_rows',
        batch.map((cells, i) => ({
          tenant_id: tenantId,
          report_id: report.id,
          run_id: runId,
          row_number: written + i + 1,
          values: JSON.stringify(cells),
        })),
        'usage-report:rows',
      )
      written += batch.length
      await ctx.reportProgress(0.5, `${written} rows`)
    }
    if (!(await updateOwn("status = 'Finished', total_items = $4, finished_at = now()", [written]))) {
      await deleteRows(stores, tenantId, report.id, { only: runId })
      return { skipped: 'the report was deleted or taken over by another run' }
    }
    await deleteRows(stores, tenantId, report.id, { except: runId })
    return { rows: written }
  } catch (error) {
    // A lost lease means cancelled (or re-claimed, and then the report is no longer this run's and
    // stays untouched): the runner records no failure then, so the run marks the report itself.
    const failed =
      ctx.signal.aborted &&
      ctx.signal.reason instanceof JobAbortedError &&
      ctx.signal.reason.reason === 'lease-lost'
    const owned = await updateOwn('status = $4, failure_reason = $5', [
      failed ? 'Failed' : 'Scheduled',
      failed ? (error as Error).message : null,
    ])
    // A report that failed for good points at no rows: drop those of any earlier, crashed run too.
    await deleteRows(stores, tenantId, report.id, owned && failed ? {} : { only: runId })
    throw error
  }
}

/**
 * The job failed for good: the report, unless it finished, is Failed with the job's last error and
 * points at no run, so a stalled run that wakes up cannot finish it; no rows of any run are kept.
 */
async function reportFailed(stores: Stores, payload: GeneratePayload, failure: JobFailure): Promise<void> {
  const { tenantId } = failure.job
  const settled = await stores.control.query(
    `UPDATE usage_reports SET status = 'Failed', failure_reason = $3, run_id = NULL
     WHERE tenant_id = $1 AND id = $2::uuid AND status != 'Finished' RETURNING id`,
    [tenantId, payload.reportId, failure.error],
  )
  if (settled.length > 0) await deleteRows(stores, tenantId, payload.reportId)
}

export function registerUsageReportJob(registry: JobRegistry, stores: Stores): JobRegistry {
  return registry.register<GeneratePayload>(
    USAGE_REPORT_JOB,
    (payload, ctx) => generate(stores, payload, ctx),
    {
      maxAttempts: USAGE_REPORT_MAX_ATTEMPTS,
      onFailed: (payload, failure) => reportFailed(stores, payload, failure),
    },
  )
}

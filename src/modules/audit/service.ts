import { NotFoundError, ValidationError } from '../../errors.js'
import type { Stores } from '../../store/stores.js'
import type { Caller } from '../identity/caller.js'
import { INSTANCE_WORKSPACE_ID, requireWorkspacePermission } from '../identity/workspace-access.js'
import { AUDIT_FIELDS, type AuditField } from './fields.js'
import { planHourCounts, runHourCountQuery } from './hour-counts.js'
import { pageOf, planAuditQuery, runExactQuery, type AuditQuery } from './query.js'
import { AUDIT_RECORD_COLUMNS, parseAuditRow, type AuditRecord, type AuditRow } from './records.js'

export interface AuditQueryPage {
  totalCount: number
  currentStartIndex: number
  /** The fields of every record, Audit ID first. */
  fields: AuditField[]
  records: AuditRecord[]
}

export interface AuditMetrics {
  count: number
  sizeInBytes: number
}

/** The audit services of the audit document: metrics, single reads, queries. */
export class AuditService {
  constructor(private readonly stores: Stores) {}

  /** The audit field catalog, for a caller who may read the workspace's audits. */
  async fields(caller: Caller, workspaceId: number): Promise<readonly AuditField[]> {
    await requireWorkspacePermission(this.stores.control, caller, workspaceId)
    return AUDIT_FIELDS
  }

  /** Count and stored size of a workspace's audits (-1: the instance level). */
  async metrics(caller: Caller, workspaceId: number): Promise<AuditMetrics> {
    await requireWorkspacePermission(this.stores.control, caller, workspaceId)
    const [row] = await this.stores.warehouse.query<{ count: string; size: string }>({
      query: `SELECT count() AS count, sum(size_bytes) AS size FROM audits
              WHERE tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64}`,
      params: { tenant: caller.tenantId, workspace: workspaceId },
      tag: 'audit:metrics',
    })
    return { count: Number(row?.count ?? 0), sizeInBytes: Number(row?.size ?? 0) }
  }

  /** One audit record of a workspace, by its Audit ID. */
  async readAudit(
    caller: Caller,
    workspaceId: number,
    auditId: string,
  ): Promise<AuditRecord & { workspaceName: string }> {
    await requireWorkspacePermission(this.stores.control, caller, workspaceId)
    if (!/^\d{1,20}$/.test(auditId)) throw new ValidationError(`auditId: '${auditId}' is not an Audit ID`)
    const [row] = await this.stores.warehouse.query<AuditRow>({
      // audit_id increases with ingestion; its minmax index skips the granules that cannot hold it.
      query: `SELECT ${AUDIT_RECORD_COLUMNS.join(', ')} FROM audits
              WHERE tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64} AND audit_id = {auditId:UInt64}
              LIMIT 1`,
      params: { tenant: caller.tenantId, workspace: workspaceId, auditId },
      tag: 'audit:read',
    })
    if (!row) throw new NotFoundError(`audit ${auditId} in workspace ${workspaceId}`)
    return { ...parseAuditRow(row), workspaceName: await this.workspaceName(caller.tenantId, workspaceId) }
  }

  /** A page of the audits matching a query, with the total count (the Object Manager UI query). */
  async query(caller: Caller, query: Omit<AuditQuery, 'tenantId'>): Promise<AuditQueryPage> {
    await requireWorkspacePermission(this.stores.control, caller, query.workspaceId)
    const plan = planAuditQuery({ ...query, tenantId: caller.tenantId })
    const { offset, currentStartIndex } = pageOf(query.start, query.length)
    const warehouse = this.stores.warehouse
    // Conditions on Timestamp, Action and Object Type alone are counted by hour; others scan.
    const hours = planHourCounts(plan)
    const { totalCount, rows } = hours
      ? await runHourCountQuery(warehouse, plan, hours, offset, query.length)
      : await runExactQuery(warehouse, plan, offset, query.length)
    return {
      totalCount,
      currentStartIndex,
      fields: plan.fields,
      records: rows.map(parseAuditRow),
    }
  }

  private async workspaceName(tenantId: number, workspaceId: number): Promise<string> {
    if (workspaceId === INSTANCE_WORKSPACE_ID) return 'Instance'
    const [row] = await this.stores.control.query<{ name: string }>(
      'SELECT name FROM workspaces WHERE tenant_id = $1 AND artifact_id = $2',
      [tenantId, workspaceId],
    )
    return row?.name ?? ''
  }
}

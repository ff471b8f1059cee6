import type { Stores } from '../../store/stores.js'
import type { SqlQuery } from '../../store/warehouse/warehouse.js'
import { identifyPeople, type Observation, type Person } from './identity.js'

/**
 * What one workbook shows, read from the stores for one window: the `integrations` entity (control
 * plane), and aggregates of the `sync-activity` and `user-observations` streams (warehouse). Only
 * aggregates leave the warehouse: a row per synced (integration, end system, entity type), per
 * integration, and per distinct identity a system showed, never one per raw event.
 */

/** [startMs, endMs): instants in epoch milliseconds, UTC. */
export interface ExportWindow {
  startMs: number
  endMs: number
}

/**
 * The last `months` calendar months up to and including `now` (UTC). A day the earlier month lacks
 * becomes its last day: 31 August minus 6 months is 28 (or 29) February, not 3 March.
 */
export function lastMonths(now: Date, months: number): ExportWindow {
  const start = new Date(now)
  start.setUTCDate(1)
  start.setUTCMonth(start.getUTCMonth() - months)
  const daysInMonth = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0)).getUTCDate()
  start.setUTCDate(Math.min(now.getUTCDate(), daysInMonth))
  return { startMs: start.getTime(), endMs: now.getTime() + 1 }
}

export interface Integration {
  id: string
  system1: string
  system2: string
  project1: string
  project2: string
  status: 'Active' | 'Inactive'
  lastUpdated: Date
}

/** Successful syncs of one entity type through one integration to one end system. */
export interface SyncedEntityType {
  integrationId: string
  endSystem: string
  entityType: string
  lastSynced: Date
}

/** Distinct entities synced successfully through one integration. */
export interface IntegrationSyncs {
  entities: number
  lastSynced: Date
}

export interface UsageData {
  /** Integrations of the window: those that synced in it or were updated in it. */
  integrations: Integration[]
  syncedEntityTypes: SyncedEntityType[]
  syncsByIntegration: Map<string, IntegrationSyncs>
  /** Distinct entities synced over all integrations: one synced by two integrations counts once. */
  entitiesSynced: number
  people: Person[]
}

/** Which data a workbook reads: one tenant's, in one window, through its known integrations. */
export interface UsageScope {
  tenantId: number
  window: ExportWindow
  /** The integrations the `integrations` entity describes. */
  integrationIds: readonly string[]
}

const scopeParams = (scope: UsageScope) => ({
  tenant: scope.tenantId,
  startMs: scope.window.startMs,
  endMs: scope.window.endMs,
  integrations: scope.integrationIds,
})

const IN_WINDOW = `timestamp >= fromUnixTimestamp64Milli({startMs:Int64}, 'UTC')
  AND timestamp < fromUnixTimestamp64Milli({endMs:Int64}, 'UTC')`

/**
 * Syncs are reported through the integration that made them (its system pair, projects and status
 * come from the `integrations` entity), so only those of known integrations count.
 */
const SUCCESSFUL_SYNCS = `FROM sync_activity
  WHERE tenant_id = {tenant:UInt32} AND ${IN_WINDOW}
    AND outcome = 'Success' AND integration_id IN {integrations:Array(String)}`

export function syncedEntityTypesStatement(scope: UsageScope): SqlQuery {
  return {
    query: `SELECT integration_id, target_system, entity_type,
                   toUnixTimestamp64Milli(max(timestamp)) AS last_synced
            ${SUCCESSFUL_SYNCS}
            GROUP BY integration_id, target_system, entity_type`,
    params: scopeParams(scope),
    tag: 'integration-export:entity-types',
  }
}

/**
 * Distinct entities per integration, and (the row with `overall` = 1) over all of them. An entity is
 * its source system and id: synced again later, it is still one entity.
 */
export function syncedEntitiesStatement(scope: UsageScope): SqlQuery {
  return {
    query: `SELECT integration_id, grouping(integration_id) AS overall,
                   uniqExact(source_system, entity_id) AS entities,
                   toUnixTimestamp64Milli(max(timestamp)) AS last_synced
            ${SUCCESSFUL_SYNCS}
            GROUP BY GROUPING SETS ((integration_id), ())`,
    params: scopeParams(scope),
    tag: 'integration-export:entities',
  }
}

/**
 * One row per distinct identity a system showed (letter case and outer spaces aside), with every
 * way it was seen: the input of identity matching, as small as the number of distinct identities.
 */
export function observedIdentitiesStatement(scope: UsageScope): SqlQuery {
  return {
    // Aliases differ from the column names: ClickHouse would read an alias inside the GROUP BY.
    query: `SELECT system, min(trimBoth(email)) AS shown_email, min(trimBoth(username)) AS shown_username,
                   min(trimBoth(display_name)) AS shown_display_name,
                   arraySort(groupUniqArray(interaction_type)) AS interaction_types,
                   toUnixTimestamp64Milli(max(timestamp)) AS last_seen,
                   max(is_service_account) AS service_account
            FROM user_observations
            WHERE tenant_id = {tenant:UInt32} AND ${IN_WINDOW}
            GROUP BY system, lower(trimBoth(email)), lower(trimBoth(username)),
                     lower(trimBoth(display_name))`,
    params: scopeParams(scope),
    tag: 'integration-export:identities',
  }
}

interface IntegrationRow {
  integration_id: string
  system1: string
  system2: string
  project1: string
  project2: string
  status: 'Active' | 'Inactive'
  last_updated: Date | string
}

async function readIntegrations(stores: Stores, tenantId: number): Promise<Integration[]> {
  const rows = await stores.control.query<IntegrationRow>(
    `SELECT integration_id, system1, system2, project1, project2, status, last_updated
     FROM integrations WHERE tenant_id = $1`,
    [tenantId],
  )
  return rows.map((r) => ({
    id: r.integration_id,
    system1: r.system1,
    system2: r.system2,
    project1: r.project1,
    project2: r.project2,
    status: r.status,
    lastUpdated: new Date(r.last_updated),
  }))
}

async function readSyncedEntityTypes(stores: Stores, scope: UsageScope): Promise<SyncedEntityType[]> {
  const rows = await stores.warehouse.query<{
    integration_id: string
    target_system: string
    entity_type: string
    last_synced: string
  }>(syncedEntityTypesStatement(scope))
  return rows.map((r) => ({
    integrationId: r.integration_id,
    endSystem: r.target_system,
    entityType: r.entity_type,
    lastSynced: new Date(Number(r.last_synced)),
  }))
}

async function readSyncedEntities(stores: Stores, scope: UsageScope) {
  const rows = await stores.warehouse.query<{
    integration_id: string
    overall: number | string
    entities: string
    last_synced: string
  }>(syncedEntitiesStatement(scope))
  const byIntegration = new Map<string, IntegrationSyncs>()
  let total = 0
  for (const r of rows) {
    if (Number(r.overall)) total = Number(r.entities)
    else
      byIntegration.set(r.integration_id, {
        entities: Number(r.entities),
        lastSynced: new Date(Number(r.last_synced)),
      })
  }
  return { byIntegration, total }
}

async function readObservations(stores: Stores, scope: UsageScope): Promise<Observation[]> {
  const rows = await stores.warehouse.query<{
    system: string
    shown_email: string
    shown_username: string
    shown_display_name: string
    interaction_types: string[]
    last_seen: string
    service_account: boolean | number
  }>(observedIdentitiesStatement(scope))
  return rows.map((r) => ({
    system: r.system,
    email: r.shown_email,
    username: r.shown_username,
    displayName: r.shown_display_name,
    interactionTypes: r.interaction_types,
    lastSeen: Number(r.last_seen),
    serviceAccount: Boolean(Number(r.service_account)),
  }))
}

export async function readUsageData(
  stores: Stores,
  tenantId: number,
  window: ExportWindow,
): Promise<UsageData> {
  const integrations = await readIntegrations(stores, tenantId)
  const scope: UsageScope = { tenantId, window, integrationIds: integrations.map((i) => i.id) }
  const [syncedEntityTypes, synced, observations] = await Promise.all([
    readSyncedEntityTypes(stores, scope),
    readSyncedEntities(stores, scope),
    readObservations(stores, scope),
  ])
  const updatedInWindow = (i: Integration) =>
    i.lastUpdated.getTime() >= window.startMs && i.lastUpdated.getTime() < window.endMs
  return {
    integrations: integrations.filter((i) => synced.byIntegration.has(i.id) || updatedInWindow(i)),
    syncedEntityTypes,
    syncsByIntegration: synced.byIntegration,
    entitiesSynced: synced.total,
    people: identifyPeople(observations),
  }
}

/**
 * The warehouse sources the report job aggregates: a table, or a query over tables, each with
 * the column that places a row in time. The job reads a source as
 * `SELECT … FROM <from> WHERE tenant_id = … AND <time> within the range AND <scope> GROUP BY …`,
 * with the report's values bound as {tenant:UInt32}, {from:String} and {to:String} (calendar
 * days, `to` included whole); a query source uses the same parameters. docs/usage-metrics.md
 * describes each.
 */

/** The report range as instants: its first day's midnight, and the midnight after its last day. */
export const RANGE_START = "toDateTime64({from:String}, 3, 'UTC')"
export const RANGE_END = "toDateTime64({to:String}, 3, 'UTC') + INTERVAL 1 DAY"

/**
 * Each period within the range in which a user held a license: from a change that assigned one
 * to the user's next change (or the range's end). At one instant an assignment comes after a
 * removal, and of two assignments the later license type in byte order: the change that holds.
 * A period an instant long (a change replaced at once, a change sent twice) is left out.
 */
const HELD_LICENSES = `
  SELECT tenant_id, user_id, license_type,
         greatest(effective_at, ${RANGE_START}) AS held_from, least(next_at, ${RANGE_END}) AS held_until
  FROM (
    SELECT tenant_id, user_id, change, license_type, effective_at,
           leadInFrame(effective_at, 1, ${RANGE_END}) OVER (
             PARTITION BY user_id ORDER BY effective_at, change = 'Assigned', license_type
             ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_at
    FROM user_licenses
    WHERE tenant_id = {tenant:UInt32} AND effective_at < ${RANGE_END}
  )
  WHERE change = 'Assigned' AND held_until > held_from`

/**
 * The held licenses with the days of the range each adds: the UTC days it touches, less the
 * first when the user's previous period ended that day (periods are disjoint and in order, so a
 * day two periods share is shared by neighbours only). Instance-level, like logins: workspace -1.
 */
const LICENSE_PERIODS = `
  SELECT tenant_id, toInt64(-1) AS workspace_id, user_id, license_type, held_from,
         dateDiff('day', toDate32(held_from), last_day) + 1
           - ifNull(lagInFrame(toNullable(last_day)) OVER (
               PARTITION BY user_id ORDER BY held_from ROWS BETWEEN 1 PRECEDING AND CURRENT ROW
             ) = toDate32(held_from), 0) AS days
  FROM (SELECT *, toDate32(held_until - INTERVAL 1 MILLISECOND) AS last_day FROM (${HELD_LICENSES}))`

/** Each (user, month) in which the user held a license at some moment of the month's part in the range. */
const LICENSED_MONTHS = `
  SELECT user_id, addMonths(toStartOfMonth(held_from), n) AS month
  FROM (${HELD_LICENSES})
  ARRAY JOIN range(toUInt32(dateDiff('month', toStartOfMonth(held_from),
                                     toStartOfMonth(held_until - INTERVAL 1 MILLISECOND)) + 1)) AS n`

/**
 * The audits of users who held a license in the month of the audit. GLOBAL: on a cluster the
 * licensed months are found once and sent to the shards reading the audits.
 */
const LICENSED_ACTIVITY = `
  SELECT tenant_id, workspace_id, user_id, timestamp
  FROM audits
  WHERE tenant_id = {tenant:UInt32} AND timestamp >= ${RANGE_START} AND timestamp < ${RANGE_END}
    AND (user_id, toStartOfMonth(timestamp)) GLOBAL IN (${LICENSED_MONTHS})`

export const SOURCES = {
  workspace_usage: { from: 'workspace_usage', time: 'snapshot_at' },
  processing_jobs: { from: 'processing_jobs', time: 'completed_at' },
  audits: { from: 'audits', time: 'timestamp' },
  license_periods: { from: `(${LICENSE_PERIODS})`, time: 'held_from' },
  licensed_activity: { from: `(${LICENSED_ACTIVITY})`, time: 'timestamp' },
} as const
export type SourceName = keyof typeof SOURCES

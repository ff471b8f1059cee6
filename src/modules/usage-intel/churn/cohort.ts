import type { LostDate } from '../date-range.js'
import { cohortRows, type Cohort } from '../scope.js'

/**
 * The churned clients of the churn reports (SEMANTICS.md, "Usage intelligence"): the clients first
 * seen within the report's days (new in the range) that are lost as of today, their last activity
 * more than daysUntilDeclaredLost days ago.
 */

export interface LostWindow {
  daysUntilDeclaredLost: number
  /** Today, UTC (`YYYY-MM-DD`). */
  today: string
}

/**
 * Whether a client's lifetime row (`cohortRows`, `lifetimeRows`) is lost today: no activity on any
 * of the daysUntilDeclaredLost days before today. The date-range report's lost clients and the
 * churn reports' cohort both use it.
 */
export const IS_LOST = 'last_day + {daysUntilLost:UInt32} < toDate({today:String})'

/**
 * The day a lost client counts as lost on: its last activity, or the day it was declared lost
 * (daysUntilDeclaredLost later). Binds the parameters of `lostParams` when declared.
 */
export const lostDaySql = (lostDate: LostDate) =>
  lostDate === 'declared' ? 'last_day + {daysUntilLost:UInt32}' : 'last_day'

/** The parameters `IS_LOST` binds. */
export const lostParams = (window: LostWindow) => ({
  daysUntilLost: window.daysUntilDeclaredLost,
  today: window.today,
})

/** The new clients of the range lost since, as the population of a lifetime report. */
export const churnedCohort = (window: LostWindow): Cohort => ({
  name: 'churn',
  rows: `SELECT * FROM (${cohortRows()}) WHERE ${IS_LOST}`,
  params: lostParams(window),
})

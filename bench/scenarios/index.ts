import { auditPivot, reviewerSummaryReport } from './audit-aggregates.js'
import { auditDeepPage, auditFirstPage } from './audit-query.js'
import { httpIngestion } from './http-ingestion.js'
import { reportExport } from './report-export.js'
import type { Scenario } from './scenario.js'
import { usageReportGeneration } from './usage-reports.js'

/**
 * The scenarios, in the order they run. The read-only queries go first, so they see exactly the
 * rows both stores were loaded with; the usage reports only add report rows, and must still see
 * the loaded audits; ingestion adds audits to the server's store, so it runs last.
 * A scenario for a new API family is a module exporting a Scenario, added here when its route exists.
 */
export const SCENARIOS: readonly Scenario[] = [
  auditFirstPage,
  auditDeepPage,
  auditPivot,
  reviewerSummaryReport,
  usageReportGeneration,
  reportExport,
  httpIngestion,
]

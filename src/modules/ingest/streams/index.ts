import type { StreamDef } from '../stream.js'
import { auditsStream } from './audits.js'
import {
  creditTransactionsStream,
  resourceUsageStream,
  serviceAuditsStream,
  serviceUsageStream,
  userUsageStream,
} from './finance.js'
import { syncActivityStream, userObservationsStream } from './integration.js'
import { processingJobsStream, workspaceUsageStream } from './platform-usage.js'
import { userLicensesStream } from './user-licenses.js'
import {
  usageCustomEventsStream,
  usageEventsStream,
  usageExceptionsStream,
  usageSessionsStream,
} from './usage.js'

/** Every ingestion stream, by its URL name. */
export const STREAMS: ReadonlyMap<string, StreamDef<never>> = new Map(
  (
    [
      auditsStream,
      usageSessionsStream,
      usageEventsStream,
      usageCustomEventsStream,
      usageExceptionsStream,
      creditTransactionsStream,
      userUsageStream,
      serviceUsageStream,
      resourceUsageStream,
      serviceAuditsStream,
      syncActivityStream,
      userObservationsStream,
      workspaceUsageStream,
      processingJobsStream,
      userLicensesStream,
    ] as unknown as StreamDef<never>[]
  ).map((stream) => [stream.name, stream]),
)

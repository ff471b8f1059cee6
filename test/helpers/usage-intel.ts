/** An event data table row's figures, as the basic, lifetime and churn tables list them. */
export const eventFigures = (
  occurrences: number,
  clients: number,
  averagePerClient: number,
  percentOfClients: number,
) => ({ occurrences, clients, averagePerClient, percentOfClients })

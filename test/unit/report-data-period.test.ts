import { describe, expect, it } from 'vitest'
import { localeFormatter, mergeParameters, parseOffset } from '../../src/modules/report-data/parameters.js'
import {
  NAMED_RANGES,
  auditWindow,
  namedWindow,
  windowOf,
  type TimeWindow,
} from '../../src/modules/report-data/period.js'

const names = { from: 'fromDate', to: 'toDate' }
const iso = ({ fromMs, toMs }: TimeWindow) => [new Date(fromMs).toISOString(), new Date(toMs).toISOString()]

describe('report data windows', () => {
  it('reads DateTimes as UTC, a date as its day, and includes the end', () => {
    const cases: [string, string, string[]][] = [
      // The document's own example: from = to selects that one instant (the end is included).
      [
        '2023-09-15T13:30:00',
        '2023-09-15T13:30:00',
        ['2023-09-15T13:30:00.000Z', '2023-09-15T13:30:00.001Z'],
      ],
      ['2023-12-13', '2023-12-14', ['2023-12-13T00:00:00.000Z', '2023-12-15T00:00:00.000Z']],
      [
        '2023-12-13T05:30:00+05:30',
        '2023-12-13T10:00:00Z',
        ['2023-12-13T00:00:00.000Z', '2023-12-13T10:00:00.001Z'],
      ],
      ['2023-12-31', '2023-12-31', ['2023-12-31T00:00:00.000Z', '2024-01-01T00:00:00.000Z']],
    ]
    for (const [from, to, expected] of cases)
      expect(iso(windowOf(from, to, names)), `${from} ${to}`).toEqual(expected)
  })

  it('names the parameter that is malformed or reversed', () => {
    expect(() => windowOf('15/09/2023', '2023-09-16', names)).toThrow(
      "fromDate: '15/09/2023' is not a DateTime",
    )
    expect(() => windowOf('2023-09-15', '2023-13-01', names)).toThrow(
      "toDate: '2023-13-01' is not a DateTime",
    )
    expect(() => windowOf('2023-09-16', '2023-09-15T23:59:59', names)).toThrow(
      "toDate: '2023-09-15T23:59:59' is before fromDate '2023-09-16'",
    )
  })

  it('computes named ranges as calendar periods in local time (UTC minus offset)', () => {
    const now = Date.parse('2024-03-01T20:00:00Z') // 2024-03-02 01:30 in India (offset -330)
    const cases: [(typeof NAMED_RANGES)[number], number, string[]][] = [
      ['Today', 0, ['2024-03-01T00:00:00.000Z', '2024-03-02T00:00:00.000Z']],
      ['Today', -330, ['2024-03-01T18:30:00.000Z', '2024-03-02T18:30:00.000Z']],
      ['Yesterday', -330, ['2024-02-29T18:30:00.000Z', '2024-03-01T18:30:00.000Z']],
      ['Last7Days', 0, ['2024-02-24T00:00:00.000Z', '2024-03-02T00:00:00.000Z']],
      ['Last30Days', 0, ['2024-02-01T00:00:00.000Z', '2024-03-02T00:00:00.000Z']],
      ['ThisMonth', 0, ['2024-03-01T00:00:00.000Z', '2024-03-02T00:00:00.000Z']],
      ['LastMonth', 0, ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']],
      // New York in winter is UTC-5 (offset +300): 15:00 on March 1 there.
      ['ThisMonth', 300, ['2024-03-01T05:00:00.000Z', '2024-03-02T05:00:00.000Z']],
      ['LastMonth', -330, ['2024-01-31T18:30:00.000Z', '2024-02-29T18:30:00.000Z']],
    ]
    for (const [range, offset, expected] of cases) {
      expect(iso(namedWindow(range, offset, now)), `${range} ${offset}`).toEqual(expected)
    }
  })

  it('takes the audit range in any case and requires from and to only with Custom', () => {
    const now = Date.parse('2024-03-01T20:00:00Z')
    expect(iso(auditWindow({ range: 'custom', from: '2023-12-13', to: '2023-12-14' }, -330, now))).toEqual([
      '2023-12-13T00:00:00.000Z',
      '2023-12-15T00:00:00.000Z',
    ])
    expect(auditWindow({ range: 'YESTERDAY', from: '2023-12-13', to: '2023-12-14' }, 0, now)).toEqual(
      namedWindow('Yesterday', 0, now),
    )
    const refusals: [Parameters<typeof auditWindow>[0], string][] = [
      [
        {},
        'range, from, to: mandatory (range: Custom, Today, Yesterday, Last7Days, Last30Days, ThisMonth, LastMonth; from, to: UTC DateTimes)',
      ],
      [{ range: '', to: '2023-12-14' }, 'range, from: mandatory'],
      [{ range: '', from: '2023-12-13', to: '2023-12-14' }, 'range: mandatory'],
      [{ range: 'Custom' }, 'from, to: mandatory with range=Custom'],
      [{ range: 'Custom', from: '2023-12-13' }, 'to: mandatory with range=Custom'],
      [{ range: 'Fortnight' }, "range: 'Fortnight' is not one of Custom, Today"],
      [{ range: 'Today', from: 'yesterday' }, "from: 'yesterday' is not a DateTime"],
    ]
    for (const [parameters, message] of refusals) {
      expect(() => auditWindow(parameters, 0, now), JSON.stringify(parameters)).toThrow(message)
    }
  })
})

describe('report data parameters', () => {
  it('reads offset as whole minutes within ±14 hours', () => {
    // ' 60' is what `offset=+60` in a query string arrives as.
    expect([undefined, '', '-330', '+60', ' 60', '840', '-840'].map(parseOffset)).toEqual([
      0, 0, -330, 60, 60, 840, -840,
    ])
    for (const text of ['IST', '-330.5', '841', '-900', '  60', ' -60', ' ', '1e2']) {
      expect(() => parseOffset(text), text).toThrow(
        `offset: '${text}' is not a number of minutes between -840 and 840`,
      )
    }
  })

  it('formats for the locale, en-US by default, and names a locale it cannot format for', () => {
    const instant = Date.parse('2023-12-15T01:30:00Z')
    expect(localeFormatter(undefined).format(instant)).toBe('12/15/23, 1:30:00 AM')
    expect(localeFormatter('de-DE').format(instant)).toBe('15.12.23, 01:30:00')
    expect(localeFormatter('en-GB').format(instant)).toBe('15/12/2023, 01:30:00')
    // A computer's POSIX setting: the language tag with `_`, maybe a charset or modifier.
    expect(localeFormatter('en_GB.UTF-8').format(instant)).toBe('15/12/2023, 01:30:00')
    expect(localeFormatter('de_DE@euro').format(instant)).toBe('15.12.23, 01:30:00')
    expect(() => localeFormatter('not a locale')).toThrow("locale: 'not a locale' is not a locale")
    expect(() => localeFormatter('C')).toThrow("locale: 'C' is not a locale")
  })

  it('merges the query string and the body, refusing two values of one parameter', () => {
    expect(
      mergeParameters({ fromDate: '2023-09-15' }, { toDate: '2023-09-16', fromDate: '2023-09-15' }),
    ).toEqual({
      fromDate: '2023-09-15',
      toDate: '2023-09-16',
    })
    expect(mergeParameters({ user: 'a' }, null)).toEqual({ user: 'a' })
    expect(() => mergeParameters({ user: 'a' }, { user: 'b' })).toThrow(
      "user: given as 'a' in the query and 'b' in the body",
    )
  })
})

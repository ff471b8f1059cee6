import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isIsoDate, isIsoInstant } from '../../src/schema/formats.js'
import { toUtc } from '../../src/modules/ingest/stream.js'

/** The calendar by the Date object: the day exists when no field rolls over. */
function existsByDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day))
  date.setUTCFullYear(year)
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

const pad = (value: number, width: number) => String(value).padStart(width, '0')

describe('isIsoDate and isIsoInstant', () => {
  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2024-04-31', false],
    ['2024-12-31', true],
    ['2024-13-01', false],
    ['2024-00-10', false],
    ['2024-01-00', false],
    ['2024-1-05', false],
    ['2024-01-05T00:00:00Z', false],
  ])('date %s: %s', (text, valid) => {
    expect(isIsoDate(text)).toBe(valid)
  })

  it('agrees with the Date object on which days exist, for any year, month and day', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 19 }),
        fc.integer({ min: 0, max: 39 }),
        (year, month, day) => {
          const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`
          const exists = month >= 1 && month <= 12 && day >= 1 && existsByDate(year, month, day)
          expect(isIsoDate(date)).toBe(exists)
          expect(isIsoInstant(`${date}T12:00:00.000Z`)).toBe(exists)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it.each([
    ['2019-05-22T15:10:42.877Z', true],
    ['2019-05-22T15:10:42Z', true],
    ['2019-05-22T15:10Z', true],
    ['2019-05-22T17:10:42.877+02:00', true],
    ['2019-05-22T15:10:42.877', false],
    ['2019-05-22 15:10:42Z', false],
    ['2019-05-22T25:10:42Z', false],
  ])('instant %s: %s', (text, valid) => {
    expect(isIsoInstant(text)).toBe(valid)
  })
})

describe('toUtc', () => {
  it.each([
    ['2019-05-22T15:10:42.877Z', '2019-05-22T15:10:42.877Z'],
    ['2019-05-22t15:10:42.877z', '2019-05-22T15:10:42.877Z'],
    ['2019-05-22T15:10:42Z', '2019-05-22T15:10:42.000Z'],
    ['2019-05-22T17:10:42.8779+02:00', '2019-05-22T15:10:42.877Z'],
    ['2019-05-23T01:10:42.877+10:00', '2019-05-22T15:10:42.877Z'],
  ])('%s → %s', (instant, utc) => {
    expect(toUtc(instant)).toBe(utc)
  })
})

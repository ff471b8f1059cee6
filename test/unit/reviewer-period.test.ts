import { describe, expect, it } from 'vitest'
import {
  parseReviewZone,
  reviewPeriod,
  wallClockToUtc,
} from '../../src/modules/audit/reviewer-stats/period.js'
import { formatUsageTime, rate } from '../../src/modules/audit/reviewer-stats/service.js'

const names = { start: 'StartDate', end: 'EndDate' }
const chicago = parseReviewZone('America/Chicago', 'TimeZone')
const iso = (ms: number) => new Date(ms).toISOString()

describe('reviewer time zones', () => {
  it('reads IANA names in any case and UTC offsets in the usual spellings', () => {
    expect(parseReviewZone('america/CHICAGO', 'tz').name).toBe('America/Chicago')
    expect(parseReviewZone(undefined, 'tz').name).toBe('UTC')
    for (const [text, name, engine] of [
      ['-05:00', 'UTC-05:00', 'Fixed/UTC-05:00:00'],
      ['UTC+5:30', 'UTC+05:30', 'Fixed/UTC+05:30:00'],
      ['GMT-0330', 'UTC-03:30', 'Fixed/UTC-03:30:00'],
      ['+14', 'UTC+14:00', 'Fixed/UTC+14:00:00'],
      // .NET TimeSpan offsets: a positive one has no sign.
      ['-05:00:00', 'UTC-05:00', 'Fixed/UTC-05:00:00'],
      ['05:30:00', 'UTC+05:30', 'Fixed/UTC+05:30:00'],
    ] as const) {
      const zone = parseReviewZone(text, 'tz')
      expect([zone.name, zone.engineName]).toEqual([name, engine])
    }
    expect(parseReviewZone('+05:30', 'tz').offsetMinutesAt(0)).toBe(330)
  })

  it('refuses what is neither, naming the field', () => {
    expect(() => parseReviewZone('Mars/Olympus', 'criteria.TimeZone')).toThrow(
      "criteria.TimeZone: 'Mars/Olympus' is not a time zone",
    )
    expect(() => parseReviewZone('+14:30', 'timeZone')).toThrow('timeZone: a UTC offset lies between')
    expect(() => parseReviewZone('-05:75', 'timeZone')).toThrow('timeZone: a UTC offset lies between')
    expect(() => parseReviewZone('15:00:00', 'timeZone')).toThrow('timeZone: a UTC offset lies between')
    expect(() => parseReviewZone('-05:00:30', 'timeZone')).toThrow("timeZone: '-05:00:30' is not a time zone")
  })

  it('finds the UTC instant of a wall-clock time across daylight-saving changes', () => {
    // Chicago, 2019: 02:00 CST became 03:00 CDT on Mar 10; 02:00 CDT became 01:00 CST on Nov 3.
    expect(iso(wallClockToUtc(Date.UTC(2019, 2, 10, 1, 59), chicago))).toBe('2019-03-10T07:59:00.000Z')
    expect(iso(wallClockToUtc(Date.UTC(2019, 2, 10, 3, 0), chicago))).toBe('2019-03-10T08:00:00.000Z')
    // 02:30 does not exist that night: it is read with the offset before the change, 03:30 CDT.
    expect(iso(wallClockToUtc(Date.UTC(2019, 2, 10, 2, 30), chicago))).toBe('2019-03-10T08:30:00.000Z')
    // 01:30 happens twice on Nov 3: the earlier one (CDT); 02:00 only once (CST).
    expect(iso(wallClockToUtc(Date.UTC(2019, 10, 3, 1, 30), chicago))).toBe('2019-11-03T06:30:00.000Z')
    expect(iso(wallClockToUtc(Date.UTC(2019, 10, 3, 2, 0), chicago))).toBe('2019-11-03T08:00:00.000Z')
    // Lord Howe moves by 30 minutes: 02:15 on Oct 6 2019 does not exist, 01:45 on Apr 7 twice.
    const lordHowe = parseReviewZone('Australia/Lord_Howe', 'tz')
    expect(iso(wallClockToUtc(Date.UTC(2019, 9, 6, 2, 15), lordHowe))).toBe('2019-10-05T15:45:00.000Z')
    expect(iso(wallClockToUtc(Date.UTC(2019, 3, 7, 1, 45), lordHowe))).toBe('2019-04-06T14:45:00.000Z')
  })
})

describe('reviewer reporting periods', () => {
  it('reads dates in the zone, a date-only end covering its whole day, and counts calendar days', () => {
    const period = reviewPeriod('2019-05-01', '2019-05-22', chicago, names)
    expect(iso(period.fromMs)).toBe('2019-05-01T05:00:00.000Z')
    expect(iso(period.toMs)).toBe('2019-05-23T05:00:00.000Z')
    expect(period.days).toBe(22)
    // The document's sample period: 282 days, as the sample's EditsPerDay needs.
    expect(reviewPeriod('2019-01-01', '2019-10-09', parseReviewZone('UTC', 'tz'), names).days).toBe(282)
  })

  it('includes the end instant when the end has a time, and keeps explicit offsets', () => {
    const period = reviewPeriod('2019-05-01T16:20:16.000', '2019-05-22T16:20:16.000', chicago, names)
    expect(iso(period.fromMs)).toBe('2019-05-01T21:20:16.000Z')
    expect(iso(period.toMs)).toBe('2019-05-22T21:20:16.001Z')
    expect(period.days).toBe(22)
    const utc = reviewPeriod('2019-05-01T00:00:00Z', '2019-05-01T23:00:00+02:00', chicago, names)
    expect([iso(utc.fromMs), iso(utc.toMs)]).toEqual(['2019-05-01T00:00:00.000Z', '2019-05-01T21:00:00.001Z'])
  })

  it('counts the days of a period across a daylight-saving change (a 23-hour day is one day)', () => {
    const period = reviewPeriod('2019-03-09', '2019-03-11', chicago, names)
    expect(period.days).toBe(3)
    expect(period.toMs - period.fromMs).toBe((3 * 24 - 1) * 3_600_000)
  })

  it('refuses malformed and reversed periods, naming the field', () => {
    expect(() => reviewPeriod('2019-02-29', '2019-03-01', chicago, names)).toThrow(
      "StartDate: '2019-02-29' is not a date",
    )
    expect(() => reviewPeriod('2019-05-01', 'May 2nd', chicago, names)).toThrow(
      "EndDate: 'May 2nd' is not a date",
    )
    expect(() => reviewPeriod('2019-05-01T24:00:00', '2019-05-02', chicago, names)).toThrow('StartDate')
    expect(() => reviewPeriod('2019-05-02', '2019-05-01', chicago, names)).toThrow(
      "EndDate: '2019-05-01' is before StartDate '2019-05-02'",
    )
  })
})

describe('reviewer rates and usage time', () => {
  it('rounds to 2 decimals, half away from zero, and is 0 without usage', () => {
    // The document's sample: 31 edits over 11:35:28 (41,728 s) is 2.67 per hour.
    expect(rate(31 * 3600, 41_728)).toBe(2.67)
    expect(rate(3 * 3600, 41_728)).toBe(0.26)
    expect(rate(1, 8)).toBe(0.13)
    expect(rate(5, 0)).toBe(0)
  })

  it('formats usage time as H:MM:SS with hours past 24', () => {
    expect(formatUsageTime(41_728)).toBe('11:35:28')
    expect(formatUsageTime(0)).toBe('0:00:00')
    expect(formatUsageTime(100 * 3600 + 61)).toBe('100:01:01')
  })
})

import { describe, expect, it } from 'vitest'
import { splitByMonths } from '../../src/modules/usage-intel/month-split.js'

describe('splitByMonths', () => {
  it('reads whole months as months and the days around them as days', () => {
    expect(splitByMonths('2026-04-02', '2026-07-01')).toEqual({
      months: { from: '2026-05-01', to: '2026-06-01' },
      days: [
        { from: '2026-04-02', to: '2026-04-30' },
        { from: '2026-07-01', to: '2026-07-01' },
      ],
    })
  })

  it('needs no days for a range of whole months, February of a leap year included', () => {
    expect(splitByMonths('2024-02-01', '2024-02-29')).toEqual({
      months: { from: '2024-02-01', to: '2024-02-01' },
      days: [],
    })
    expect(splitByMonths('2023-12-01', '2024-01-31')).toEqual({
      months: { from: '2023-12-01', to: '2024-01-01' },
      days: [],
    })
  })

  it('keeps a range without a whole month as days', () => {
    expect(splitByMonths('2024-03-02', '2024-03-31')).toEqual({
      days: [{ from: '2024-03-02', to: '2024-03-31' }],
    })
    expect(splitByMonths('2024-03-01', '2024-03-30')).toEqual({
      days: [{ from: '2024-03-01', to: '2024-03-30' }],
    })
    expect(splitByMonths('2024-02-15', '2024-03-14')).toEqual({
      days: [{ from: '2024-02-15', to: '2024-03-14' }],
    })
    expect(splitByMonths('2024-03-05', '2024-03-05')).toEqual({
      days: [{ from: '2024-03-05', to: '2024-03-05' }],
    })
  })

  it('splits a range starting on a 1st or ending on a month’s last day on one side only', () => {
    expect(splitByMonths('2024-03-01', '2024-04-10')).toEqual({
      months: { from: '2024-03-01', to: '2024-03-01' },
      days: [{ from: '2024-04-01', to: '2024-04-10' }],
    })
    expect(splitByMonths('2024-02-20', '2024-03-31')).toEqual({
      months: { from: '2024-03-01', to: '2024-03-01' },
      days: [{ from: '2024-02-20', to: '2024-02-29' }],
    })
  })
})

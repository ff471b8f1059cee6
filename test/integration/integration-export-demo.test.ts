import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import type { FastifyInstance } from 'fastify'
import JSZip from 'jszip'
import { execFile, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { generateDemo } from '../../src/demo/index.js'
import { IDENTITY_RULES } from '../../src/modules/integration-export/identity.js'
import { buildTestApp, ingestThroughApi } from '../helpers/app.js'
import { tempDir } from '../helpers/stores.js'

/**
 * The export over the demo's integration data: every identity rule founds someone, a duplicate and
 * a service account show, and LibreOffice (when installed) reads every sheet of both workbooks.
 */
let app: FastifyInstance
let auth: { authorization: string }
const workbooks = new Map<string, Buffer>()

const INTEGRATION_STEPS = ['integrations', 'sync-activity', 'user-observations']

beforeAll(async () => {
  ;({ app, auth } = await buildTestApp())
  const plan = generateDemo({ scale: 0.05, seed: 7 })
  for (const step of plan.steps.filter((s) => INTEGRATION_STEPS.includes(s.name))) {
    const target = step.target === 'entities' ? { entities: step.name } : { stream: step.name }
    for (const batch of step.batches) {
      const response = await ingestThroughApi(app, auth, target, batch as object[])
      expect(response.json(), step.name).toMatchObject({ accepted: batch.length, rejected: [] })
    }
  }
  const response = await app.inject({ method: 'GET', url: '/export/usage-reports', headers: auth })
  expect(response.statusCode, response.body).toBe(200)
  const zip = await JSZip.loadAsync(response.rawPayload)
  for (const name of Object.keys(zip.files)) workbooks.set(name, await zip.file(name)!.async('nodebuffer'))
})

async function open(name: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(workbooks.get(name) as unknown as ArrayBuffer)
  return workbook
}

const valuesOf = (sheet: ExcelJS.Worksheet, column: number) =>
  sheet.getColumn(column).values.slice(2) as unknown[]

describe('the integration usage export over the demo data', () => {
  it('finds people by every rule, a duplicate and a service account, in both workbooks', async () => {
    expect([...workbooks.keys()].sort()).toEqual([
      'Usage Report (Last 1 Year).xlsx',
      'Usage Report (Last 6 Months).xlsx',
    ])
    for (const name of workbooks.keys()) {
      const workbook = await open(name)
      const summary = workbook.getWorksheet('Summary')!
      for (const rule of IDENTITY_RULES) {
        const row = summary
          .getSheetValues()
          .find((r) => Array.isArray(r) && r[1] === `  identified by ${rule}`)
        expect((row as unknown[] | undefined)?.[2], `${name}: ${rule}`).toBeGreaterThan(0)
      }
      const users = workbook.getWorksheet('Detailed User Report')!
      expect(
        valuesOf(users, 8).some((cell) => typeof cell === 'string' && cell !== ''),
        name,
      ).toBe(true)
      expect(valuesOf(users, 6), name).toContain('Yes')
    }
  })

  const soffice = spawnSync('soffice', ['--version']).status === 0
  it.skipIf(!soffice)(
    'opens in LibreOffice: every cell of every sheet of both workbooks reads back, dates as dates',
    async () => {
      const dir = tempDir()
      for (const [name, bytes] of workbooks) fs.writeFileSync(path.join(dir, name), bytes)
      // Every sheet to its own CSV (the last filter token, -1), as docs/integration-export.md shows.
      const { stderr } = await promisify(execFile)(
        'soffice',
        [
          `-env:UserInstallation=${pathToFileURL(path.join(dir, 'profile')).href}`,
          '--headless',
          '--convert-to',
          'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1',
          '--outdir',
          path.join(dir, 'csv'),
          ...[...workbooks.keys()].map((name) => path.join(dir, name)),
        ],
        { timeout: 120_000 },
      )
      // A file it cannot load still exits 0, with "Error: source file could not be loaded".
      expect(stderr).not.toMatch(/^Error/m)
      for (const name of workbooks.keys()) {
        for (const sheet of (await open(name)).worksheets) {
          const csv = path.join(dir, 'csv', `${name.replace(/\.xlsx$/, '')}-${sheet.name}.csv`)
          const read = parse(fs.readFileSync(csv, 'utf8'), { relaxColumnCount: true }) as string[][]
          expect(read, csv).toHaveLength(sheet.rowCount)
          sheet.eachRow({ includeEmpty: true }, (row, r) => {
            for (let c = 1; c <= sheet.columnCount; c++) {
              const written = row.getCell(c).value
              const shown = read[r - 1]?.[c - 1] ?? ''
              const where = `${csv} ${row.getCell(c).address}`
              if (written instanceof Date) {
                // A date cell, so LibreOffice shows a date and time, not the serial number.
                expect(shown, where).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
                const ms = Date.parse(`${shown.replace(' ', 'T')}Z`)
                expect(Math.abs(ms - written.getTime()), where).toBeLessThan(1000)
              } else {
                expect(shown, where).toBe(written === null ? '' : String(written))
              }
            }
          })
        }
      }
    },
  )
})

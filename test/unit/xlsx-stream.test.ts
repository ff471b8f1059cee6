import ExcelJS from 'exceljs'
import { buffer } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import {
  CUT_MARK,
  MAX_CELL_TEXT,
  columnLetters,
  escapeXml,
  fitCellText,
  inOneBatch,
  streamXlsx,
  type XlsxCell,
} from '../../src/formats/xlsx-stream.js'

async function* batches(...rows: XlsxCell[][][]) {
  yield* rows
}

describe('the streaming XLSX writer', () => {
  it('names columns as spreadsheets do', () => {
    expect([0, 25, 26, 51, 52, 701, 702].map(columnLetters)).toEqual([
      'A',
      'Z',
      'AA',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
    ])
  })

  it('escapes markup and drops characters XML cannot hold', () => {
    expect(escapeXml('a<b>&"c"\u0001\ttab')).toBe('a&lt;b&gt;&amp;&quot;c&quot;\ttab')
  })

  it('leaves text within Excel’s 32,767 characters a cell as it is', () => {
    expect(fitCellText('jane@acme.com')).toBe('jane@acme.com')
    const full = 'x'.repeat(MAX_CELL_TEXT)
    expect(fitCellText(full)).toBe(full)
  })

  it('cuts longer text to exactly the limit, saying so, and never through a surrogate pair', () => {
    const emails = Array.from({ length: 2000 }, (_, i) => `admin${i}@tenant-${i}.example.com`).join(', ')
    const cut = fitCellText(emails)
    expect(cut).toHaveLength(MAX_CELL_TEXT)
    expect(cut.startsWith('admin0@tenant-0.example.com, admin1@tenant-1.example.com, ')).toBe(true)
    expect(cut.endsWith(CUT_MARK)).toBe(true)
    // Emoji take two UTF-16 code units; after the 'x' the cut would fall between the two of one.
    const [kept] = fitCellText(`x${'😀'.repeat(MAX_CELL_TEXT)}`).split(CUT_MARK)
    expect(kept).toBe(`x${'😀'.repeat((kept!.length - 1) / 2)}`)
    expect(kept!.length + CUT_MARK.length).toBe(MAX_CELL_TEXT - 1)
  })

  it('writes an over-long text cell cut, so Excel opens the file without repairing it', async () => {
    const long = 'y'.repeat(MAX_CELL_TEXT + 10)
    const bytes = await buffer(
      streamXlsx([{ name: 'S', columns: [{ header: 'Text', width: 60 }], rows: inOneBatch([[long]]) }]),
    )
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
    expect(workbook.getWorksheet('S')!.getRow(2).getCell(1).value).toBe(fitCellText(long))
  })

  it('writes a workbook a real reader opens: header, numbers, text, dates, durations, gaps', async () => {
    const bytes = await buffer(
      streamXlsx([
        {
          name: 'Report <1>',
          columns: [
            { header: 'Name', width: 20 },
            { header: 'Count', width: 10 },
            { header: 'When', width: 20, format: 'date-time' },
            { header: 'Month', width: 10, format: 'month' },
            { header: 'Time', width: 10, format: 'duration' },
          ],
          rows: batches(
            [
              [
                'O’Brien & <Sons>',
                42,
                new Date('2024-08-01T04:46:00Z'),
                new Date('2024-09-01T00:00:00Z'),
                1.5,
              ],
            ],
            [
              [' spaced ', null, null, null, 0.25],
              ['bell\u0007', 1.25, null, null, null],
            ],
          ),
        },
        { name: 'Second', columns: [{ header: 'Only', width: 8 }], rows: inOneBatch([['x'], [2]]) },
      ]),
    )
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
    const sheet = workbook.getWorksheet('Report <1>')!
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(sheet.getRow(1).values).toEqual([undefined, 'Name', 'Count', 'When', 'Month', 'Time'])
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true)
    const first = sheet.getRow(2)
    expect(first.getCell(1).value).toBe('O’Brien & <Sons>')
    expect(first.getCell(2).value).toBe(42)
    expect(first.getCell(3).value).toEqual(new Date('2024-08-01T04:46:00Z'))
    expect(first.getCell(3).numFmt).toBe('yyyy-mm-dd hh:mm:ss')
    expect(first.getCell(4).numFmt).toBe('mm/yyyy')
    expect(first.getCell(5).numFmt).toBe('[h]:mm:ss')
    expect(sheet.getRow(3).getCell(1).value).toBe(' spaced ')
    expect(sheet.getRow(3).getCell(2).value).toBeNull()
    expect(sheet.getRow(4).values).toEqual([undefined, 'bell', 1.25])
    expect(sheet.getColumn(1).width).toBe(20)
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['Report <1>', 'Second'])
    expect(workbook.getWorksheet('Second')!.getColumn(1).values).toEqual([undefined, 'Only', 'x', 2])
  })

  it('keeps every cell of a sheet larger than the chunks it is written in, multi-byte text included', async () => {
    // ~2.5 MB of sheet XML: rows cross 1 MiB chunk boundaries, some with 3-byte characters.
    const rowCount = 20_000
    const rows: XlsxCell[][] = Array.from({ length: rowCount }, (_, i) => [
      `${i % 7 === 0 ? '€ü日本' : 'plain'} row ${i}`,
      i * 1.5,
      i % 3 === 0 ? null : `x${'·'.repeat(i % 50)}`,
    ])
    const bytes = await buffer(
      streamXlsx([
        {
          name: 'Big',
          columns: ['Text', 'Number', 'More'].map((header) => ({ header, width: 12 })),
          rows: batches(rows.slice(0, 7_000), rows.slice(7_000)),
        },
      ]),
    )
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
    const sheet = workbook.getWorksheet('Big')!
    expect(sheet.rowCount).toBe(rowCount + 1)
    rows.forEach((cells, i) => {
      expect(sheet.getRow(i + 2).getCell(1).value).toBe(cells[0])
      expect(sheet.getRow(i + 2).getCell(2).value).toBe(cells[1])
      expect(sheet.getRow(i + 2).getCell(3).value).toBe(cells[2])
    })
  })
})

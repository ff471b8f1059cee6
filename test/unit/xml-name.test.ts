import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeXmlName } from '../../src/modules/audit/pivot/xml-name.js'

/** .NET `XmlConvert.DecodeName`, to check that encoding loses nothing. */
const decodeXmlName = (name: string) =>
  name.replace(/_[Xx]([0-9a-fA-F]{4}|[0-9a-fA-F]{8})_/g, (escape, hex: string) => {
    const code = parseInt(hex, 16)
    return code > 0x10ffff ? escape : String.fromCodePoint(code)
  })

describe('encodeXmlName (XmlConvert.EncodeName)', () => {
  it.each([
    // The audit document's pivot keys: action ids.
    ['28', '_x0032_8'],
    ['9', '_x0039_'],
    ['3', '_x0033_'],
    ['10', '_x0031_0'],
    ['59', '_x0035_9'],
    ['1039872', '_x0031_039872'],
    // Names with characters no XML name may hold.
    ['Admin, Relativity', 'Admin_x002C__x0020_Relativity'],
    ['Grand Total', 'Grand_x0020_Total'],
    ['Update - Mass Revert', 'Update_x0020_-_x0020_Mass_x0020_Revert'],
    ['-5', '_x002D_5'],
    ['a/b', 'a_x002F_b'],
    ["O'Brien", 'O_x0027_Brien'],
    ['<tag>', '_x003C_tag_x003E_'],
    ['2019-04-16T05:00:00', '_x0032_019-04-16T05:00:00'],
    // Valid names come back as they are; ':' is a name character (EncodeLocalName would escape it).
    ['Timestamp', 'Timestamp'],
    ['_private', '_private'],
    [':a:b', ':a:b'],
    ['a.b-c_d9', 'a.b-c_d9'],
    ['', ''],
    // '.', '-' and digits may follow but not start a name.
    ['.a', '_x002E_a'],
    ['a.', 'a.'],
    // XML 1.0 fourth edition classes, as .NET uses: U+00B7 (an Extender) and U+0300 (a CombiningChar)
    // may follow, not start; U+0E2F is in neither class; U+4E00 (Ideographic) may start.
    ['\u00B7a', '_x00B7_a'],
    ['a\u00B7', 'a\u00B7'],
    ['\u0300a', '_x0300_a'],
    ['a\u0E2F', 'a_x0E2F_'],
    ['\u4E00', '\u4E00'],
    ['é', 'é'],
    // Outside the fourth edition tables (the fifth edition would allow these).
    ['\u0220', '_x0220_'],
    ['a\u2070', 'a_x2070_'],
    // Supplementary characters: one escape of eight digits for the pair; a lone surrogate alone.
    ['\u{1F600}', '_x0001F600_'],
    ['a\u{1D49C}b', 'a_x0001D49C_b'],
    ['\uD800x', '_xD800_x'],
    ['a\uDC00', 'a_xDC00_'],
    // An '_' that starts a would-be escape is itself escaped, so that decoding gives the original.
    ['_x0041_', '_x005F_x0041_'],
    ['a_x0041_', 'a_x005F_x0041_'],
    ['_X00e9_', '_x005F_X00e9_'],
    ['a_x00010000_', 'a_x005F_x00010000_'],
    ['_x0041_x0042_', '_x005F_x0041_x005F_x0042_'],
    ['_x0041__x0042_', '_x005F_x0041__x005F_x0042_'],
    // Not escapes: wrong length or not hex.
    ['_x004_', '_x004_'],
    ['_x00411_', '_x00411_'],
    ['_x004G_', '_x004G_'],
    ['_x0041', '_x0041'],
    // An escape-like `_` ended by the `_` of a later escape (found by the property below).
    ['_X091a\uD83D', '_x005F_X091a_xD83D_'],
    ['_x00410042 ', '_x005F_x00410042_x0020_'],
    ['_x0041 ', '_x005F_x0041_x0020_'],
    ['_x0041é', '_x0041é'],
    // Both rules at once.
    ['1_x0041_', '_x0031__x005F_x0041_'],
  ])('%j → %j', (name, encoded) => {
    expect(encodeXmlName(name)).toBe(encoded)
  })

  it('loses nothing: DecodeName gives the original back', () => {
    const unit = fc.constantFrom(
      '_',
      'x',
      'X',
      '0',
      '4',
      '1',
      'F',
      'a',
      'g',
      ' ',
      '9',
      ':',
      '-',
      'é',
      '\uD83D',
      '\uDE00',
    )
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 24 }), (units) => {
        const name = units.join('')
        expect(decodeXmlName(encodeXmlName(name))).toBe(name)
      }),
      { seed: 20_261_122, numRuns: 20_000 },
    )
  })

  it('encodes every id as a name that starts with a letter or an underscore', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (id) => {
        const key = encodeXmlName(String(id))
        expect(key).toMatch(/^_x00(3[0-9]|2D)_[0-9]*$/)
        expect(decodeXmlName(key)).toBe(String(id))
      }),
    )
  })
})

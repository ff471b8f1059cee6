import { ValidationError } from '../../errors.js'

/**
 * The report data API's parameters arrive as text (a query string, or a JSON body of strings);
 * these read them, answering a 400 that names the parameter when one is missing or malformed.
 */

export type TextParameters = Record<string, string | undefined>

/** A 400 naming every parameter of `names` that is absent or empty. */
export function requireParameters(parameters: TextParameters, names: readonly string[], why: string): void {
  const missing = names.filter((name) => parameters[name] === undefined || parameters[name] === '')
  if (missing.length > 0) throw new ValidationError(`${missing.join(', ')}: mandatory ${why}`)
}

/** The POST reports take a parameter in the query string or the JSON body, never two different values. */
export function mergeParameters(
  query: TextParameters,
  body: TextParameters | null | undefined,
): TextParameters {
  const merged: TextParameters = { ...query }
  for (const [name, value] of Object.entries(body ?? {})) {
    if (merged[name] !== undefined && merged[name] !== value) {
      throw new ValidationError(`${name}: given as '${merged[name]}' in the query and '${value}' in the body`)
    }
    merged[name] = value
  }
  return merged
}

/** Time zones run from UTC−12:00 to UTC+14:00; ±14 hours bounds any real offset. */
export const MAX_OFFSET_MINUTES = 840

/**
 * `offset` in minutes, UTC minus local time (-330 is India): a whole number within ±14 hours, 0 if
 * absent. A query string turns an unescaped `+` into a space, so `offset=+300` arrives as ' 300'.
 */
export function parseOffset(text: string | undefined): number {
  if (text === undefined || text === '') return 0
  const signed = text.replace(/^ (?=\d)/, '+')
  const minutes = Number(signed)
  if (!/^[+-]?\d{1,4}$/.test(signed) || Math.abs(minutes) > MAX_OFFSET_MINUTES) {
    throw new ValidationError(
      `offset: '${text}' is not a number of minutes between -${MAX_OFFSET_MINUTES} and ${MAX_OFFSET_MINUTES}`,
    )
  }
  return minutes
}

export const DEFAULT_LOCALE = 'en-US'

/**
 * Writes instants for `locale` (short date, medium time: `12/15/23, 1:30:00 AM` in en-US), or a
 * 400 naming the locale when it is not a language tag this server's Intl data covers. A computer's
 * regional setting often reads `en_US` or `en_US.UTF-8` (POSIX): that is the tag en-US. Callers pass
 * instants already shifted to local time, so the formatter itself works in UTC.
 */
export function localeFormatter(locale: string | undefined): Intl.DateTimeFormat {
  const written = locale === undefined || locale === '' ? DEFAULT_LOCALE : locale
  const tag = written.replace(/[.@].*$/, '').replace(/_/g, '-')
  let supported: string[]
  try {
    supported = Intl.DateTimeFormat.supportedLocalesOf([tag])
  } catch {
    // Not even a well-formed language tag.
    supported = []
  }
  if (supported.length === 0) {
    throw new ValidationError(`locale: '${written}' is not a locale this server can format for (e.g. en-US)`)
  }
  return new Intl.DateTimeFormat(tag, { timeZone: 'UTC', dateStyle: 'short', timeStyle: 'medium' })
}

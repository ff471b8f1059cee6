import { pino, type Logger } from 'pino'
import type { Config } from './config/config.js'

/**
 * JSON logs for machines; the secrets a request can carry are redacted wherever they appear.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, name = 'tally'): Logger {
  return pino({
    name,
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.clientSecret',
        '*.client_secret',
      ],
      censor: '[redacted]',
    },
  })
}

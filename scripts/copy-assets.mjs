// tsc compiles only TypeScript; the control-plane migrations are .sql files read at run time.
import { cpSync } from 'node:fs'

cpSync('src/store/control/migrations', 'dist/store/control/migrations', { recursive: true })

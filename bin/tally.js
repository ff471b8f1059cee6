#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` (done by `npm start`) produces dist/.
import '../dist/cli/index.js'

// `npm run demo`: a global shop on a two-Region DSQL cluster (the emulator, or yours with
// --endpoints). Flags are checked before anything starts; a bad one exits 2 naming it. Exits 0
// when every invariant holds, 1 when one broke or the run failed. Ctrl-C ends the shopping early
// and still audits; a second Ctrl-C exits at once.
import { accessSync, constants } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DemoFlagError, parseFlags, USAGE } from './flags.mjs'
import { runDemo } from './run-demo.mjs'

let flags
try {
  flags = parseFlags(process.argv.slice(2))
  checkReportFolder(flags.reportPath)
} catch (error) {
  if (!(error instanceof DemoFlagError)) throw error
  process.stderr.write(`demo: ${error.message}\n`)
  process.exit(2)
}
if (flags.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}

/** The report is written at the end: find out now, not after the run, that it cannot be. */
function checkReportFolder(reportPath) {
  const folder = dirname(resolve(reportPath))
  try {
    accessSync(folder, constants.W_OK)
  } catch (error) {
    throw new DemoFlagError(
      `--report names a file in ${folder}, which cannot be written (${error.code}). Give a path in a folder that exists.`,
      '--report',
    )
  }
}

const stop = new AbortController()
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    if (stop.signal.aborted) process.exit(code)
    process.stderr.write(`\ndemo: ${signal}: stopping the shoppers (again to quit at once) ...\n`)
    stop.abort()
  })
}

try {
  process.exitCode = await runDemo(flags, { out: process.stdout, stopSignal: stop.signal })
} catch (error) {
  process.stderr.write(`demo: the run failed: ${error?.stack ?? error}\n`)
  process.exitCode = 1
}

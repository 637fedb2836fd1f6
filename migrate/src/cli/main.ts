#!/usr/bin/env node
import { EXIT_CODES } from './exit-codes.js'
import { readStream } from './read-migrations.js'
import { runCli } from './run-cli.js'

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    // A terminal is no input: "lint" alone asks for paths instead of waiting for a paste.
    ...(process.stdin.isTTY === true ? {} : { readStdin: () => readStream(process.stdin) }),
  })
} catch (error) {
  process.stderr.write(
    `pg-dsql-migrate: unexpected failure (please report it): ${(error as Error).stack ?? String(error)}\n`,
  )
  process.exitCode = EXIT_CODES.internal
}

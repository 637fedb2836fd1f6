#!/usr/bin/env -S node --
// "node --": Node 20 and 22 read --env-file even after the script name, which would swallow
// `pg-dsql-emulator --env-file FILE` before the command sees it.
import { runEmulatorCommand } from './emulator-command.js'

process.exitCode = await runEmulatorCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
})

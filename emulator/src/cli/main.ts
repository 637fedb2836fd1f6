#!/usr/bin/env -S node --
// "node --": Node 20 and 22 read --env-file even after the script name, which would swallow
// `pg-dsql-emulator --env-file FILE` before the command sees it.
import { runEmulatorCommand } from './emulator-command.js'

// A parent that died (see --stop-on-stdin-close) leaves no one to read what the command prints
// while it stops: a write that finds the pipe closed must not crash the stop, which would leave
// its temporary folder behind. Other write errors are still thrown.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}

process.exitCode = await runEmulatorCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
})

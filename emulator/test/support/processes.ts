import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The embedded PostgreSQL's postmaster pid, from `<dir>/pgdata/postmaster.pid`. */
export function serverPidIn(dir: string): number {
  return Number(readFileSync(join(dir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0])
}

/**
 * Whether the postmaster `pid` still runs, or anything of its process group (the watchdog the
 * emulator starts it under). A zombie does not count: it has exited, and waits only for a
 * parent to reap it (in a container whose first process reaps nothing, it waits forever).
 */
export function serverRunning(pid: number): boolean {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,stat='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .some(
      ([p, group, stat]) => (Number(p) === pid || Number(group) === pid) && stat?.startsWith('Z') === false,
    )
}

import { performance } from 'node:perf_hooks'
import type { JobOptions } from './apply-options.js'
import { pause } from './backoff.js'
import type { RunnerSession } from './runner-session.js'
import { classifyFailure } from './sql-errors.js'

/** How an async job ended. `unknown`: DSQL no longer lists it (it keeps finished jobs a while). */
export interface JobOutcome {
  readonly status: 'completed' | 'failed' | 'unknown'
  readonly details: string | undefined
}

const FAILED = new Set(['failed', 'cancelled', 'canceled'])

/** A job still running when `jobs.timeoutMs` ran out. */
export class JobWaitTimeout extends Error {
  override name = 'JobWaitTimeout'
}

/**
 * Waits for DSQL's async job `jobId` (`CREATE INDEX ASYNC`, `ALTER TABLE ASYNC … VALIDATE`).
 * `CALL sys.wait_for_job(id)` blocks until the job ends and answers whether it succeeded; the
 * job's error, if any, is read from `sys.jobs`. A call that fails for another reason than the
 * job (a long wait meeting a transaction limit) falls back to polling `sys.jobs`. Conflicts and
 * lost connections are thrown: waiting again is harmless, and the caller retries.
 */
export async function waitForJob(
  session: RunnerSession,
  jobId: string,
  options: Required<JobOptions>,
): Promise<JobOutcome> {
  if (options.method === 'wait-for-job') {
    try {
      const { rows } = await session.query('CALL sys.wait_for_job($1)', [jobId])
      const answer = rows[0] === undefined ? undefined : Object.values(rows[0])[0]
      const listed = await readJob(session, jobId)
      if (listed !== undefined && listed.status !== 'running')
        return { status: listed.status, details: listed.details }
      if (listed === undefined)
        return { status: answer === false ? 'failed' : 'completed', details: undefined }
    } catch (error) {
      // Conflicts and lost connections go to the caller, which retries the wait. A refusal
      // (42704 for an id DSQL no longer knows, a transaction limit on a long wait) is not the
      // job's failure: sys.jobs says how the job went.
      if (classifyFailure(error) !== 'statement') throw error
    }
  }
  return pollJob(session, jobId, options)
}

async function pollJob(
  session: RunnerSession,
  jobId: string,
  options: Required<JobOptions>,
): Promise<JobOutcome> {
  const started = performance.now()
  for (;;) {
    const listed = await readJob(session, jobId)
    if (listed === undefined) return { status: 'unknown', details: undefined }
    if (listed.status !== 'running') return { status: listed.status, details: listed.details }
    if (performance.now() - started >= options.timeoutMs) {
      throw new JobWaitTimeout(`job ${jobId} still runs after jobs.timeoutMs (${options.timeoutMs} ms)`)
    }
    await pause(options.pollIntervalMs)
  }
}

async function readJob(
  session: RunnerSession,
  jobId: string,
): Promise<{ status: 'completed' | 'failed' | 'running'; details: string | undefined } | undefined> {
  const { rows } = await session.query('SELECT status, details FROM sys.jobs WHERE job_id = $1', [jobId])
  const row = rows[0]
  if (row === undefined) return undefined
  const status = String(row.status).toLowerCase()
  const details = row.details === null || row.details === undefined ? undefined : String(row.details)
  if (status === 'completed' || status === 'succeeded') return { status: 'completed', details }
  return { status: FAILED.has(status) ? 'failed' : 'running', details }
}

import { asyncJobSql, type StatementInfo } from '../sql/index.js'
import {
  BACKEND,
  type ClientUnit,
  commandComplete,
  dataRow,
  type Frame,
  rowDescription,
} from '../wire/index.js'
import { toFrame } from './reply-edit.js'
import { newJobId, rewriteUnit } from './statement-rewrite.js'

/** How one statement's result differs from the backend's. */
type ResultEdit =
  /** An asynchronous DDL statement: DSQL's tag, and a `job_id` row. */
  | { readonly kind: 'job'; readonly jobId: string; readonly tag: string }
  /** A `SHOW` DSQL answers with its own value. */
  | { readonly kind: 'setting'; readonly value: string }

/** A message editor for one forward of a unit (see `ForwardOptions.editMessage`). */
export type MessageEditor = (message: Frame) => readonly Frame[]

/** A unit ready for the backend, and how its reply must change on the way back. */
export interface PreparedUnit {
  readonly unit: ClientUnit
  /** Makes a fresh editor for each forward; `undefined` when the reply stays as it is. */
  readonly editor: (() => MessageEditor) | undefined
}

/**
 * Edits the results of a unit's statements, told apart by their CommandComplete (the k-th
 * result belongs to the k-th statement): a job's `DO` block answers with DSQL's tag and a
 * `job_id` row (its NoData, from a Describe, becomes the row's description), and a `SHOW`'s row
 * carries DSQL's value.
 */
function resultEditor(edits: ReadonlyMap<number, ResultEdit>): MessageEditor {
  let result = 0
  let described = false
  return (message) => {
    const edit = edits.get(result)
    if (edit?.kind === 'setting') {
      if (message.type === BACKEND.DataRow) return [toFrame(dataRow([edit.value]))]
    } else if (edit?.kind === 'job') {
      if (message.type === BACKEND.NoData) {
        described = true
        return [toFrame(rowDescription(['job_id']))]
      }
      if (message.type === BACKEND.CommandComplete) {
        const frames = described ? [] : [toFrame(rowDescription(['job_id']))]
        frames.push(toFrame(dataRow([edit.jobId])), toFrame(commandComplete(edit.tag)))
        result++
        described = false
        return frames
      }
    }
    if (message.type === BACKEND.CommandComplete) {
      result++
      described = false
    }
    return [message]
  }
}

/**
 * Prepares a unit for the backend: each asynchronous DDL statement gets a fresh job id and runs
 * as the `DO` block that records its job, other rewrites (`ASYNC` blanked, `version()`) apply,
 * and the reply's edits are planned. Call once per unit: job ids are new each time.
 */
export function prepareUnit(clientUnit: ClientUnit, statements: readonly StatementInfo[]): PreparedUnit {
  const edits = new Map<number, ResultEdit>()
  const prepared = statements.map((statement, i) => {
    if (statement.showValue !== undefined) edits.set(i, { kind: 'setting', value: statement.showValue })
    if (statement.job === undefined || statement.refusal !== undefined) return statement
    const jobId = newJobId()
    edits.set(i, { kind: 'job', jobId, tag: statement.job.tag })
    return { ...statement, text: asyncJobSql(statement.job, statement.text, jobId), rewritten: true }
  })
  return {
    unit: rewriteUnit(clientUnit, prepared),
    editor: edits.size === 0 ? undefined : () => resultEditor(edits),
  }
}

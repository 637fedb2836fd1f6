import type pg from 'pg'

/**
 * One conformance row: SQL in (one statement, or steps run in turn), DSQL's answer out (`null`:
 * every step succeeds; else the error of the first step that fails), and where the rule and its
 * text come from.
 */
export type SourcedCase = readonly [
  steps: string | readonly string[],
  code: string | null,
  message: string | undefined,
  source: string,
]

/** What the steps got: no error, or the first error's SQLSTATE and message. */
export interface StepsOutcome {
  readonly code: string | null
  readonly message?: string
}

/**
 * Runs the steps in turn on the client, simple or extended protocol, up to the first that
 * fails, then `ROLLBACK` (a no-op outside a transaction), and returns that step's error.
 */
export async function runSteps(
  client: pg.Client,
  steps: string | readonly string[],
  extended: boolean,
): Promise<StepsOutcome> {
  let result: StepsOutcome = { code: null }
  for (const text of typeof steps === 'string' ? [steps] : steps) {
    try {
      await client.query(extended ? ({ text, queryMode: 'extended' } as pg.QueryConfig) : text)
    } catch (error) {
      const { code, message } = error as { code: string; message: string }
      result = { code, message }
      break
    }
  }
  await client.query('ROLLBACK')
  return result
}

/** The outcome a row expects. */
export function expectedOutcome(code: string | null, message: string | undefined): StepsOutcome {
  return code === null ? { code: null } : { code, message }
}

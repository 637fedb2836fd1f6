import { inspect } from 'node:util'

/**
 * Says on stderr why a global setup failed, then rethrows: vitest alone prints `RUN` and exits 1
 * with no message when a global setup rejects, which leaves a CI log with nothing to go on.
 */
export function reportSetupFailure(step: string): (error: unknown) => never {
  return (error) => {
    const lines = [`\nThe test run could not ${step}:`]
    for (let cause: unknown = error, depth = 0; cause !== undefined && depth < 5; depth++) {
      const { message, stderr } = (cause ?? {}) as { message?: unknown; stderr?: unknown }
      lines.push(
        `  ${depth === 0 ? '' : 'caused by: '}${typeof message === 'string' ? message : inspect(cause)}`,
      )
      if (stderr !== undefined && String(stderr).trim() !== '') lines.push(String(stderr).trim())
      cause = (cause as { cause?: unknown } | null)?.cause
    }
    process.stderr.write(`${lines.join('\n')}\n\n`)
    throw error
  }
}

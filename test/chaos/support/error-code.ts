/** The error's code (SQLSTATE, `ERR_DSQL_*`, a socket code), or its name and first words. */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code !== '') return code
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n')[0]?.slice(0, 40)}`
  return String(error)
}

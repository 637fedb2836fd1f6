import type { ErrorFields } from '../wire/index.js'

/** DSQL's retryable errors, with the texts DSQL sends today. */
export const DSQL_ERRORS = {
  /** OCC: a write conflict, reported at COMMIT (or on an autocommit statement). */
  occConflict: {
    severity: 'ERROR',
    code: '40001',
    message: 'change conflicts with another transaction (OC000)',
  },
  /** OCC: the catalog changed under the session. */
  schemaUpdated: {
    severity: 'ERROR',
    code: '40001',
    message: 'schema has been updated by another transaction (OC001)',
  },
  /** A transient service condition; the connection stays usable. */
  serverUnavailable: { severity: 'ERROR', code: 'XX000', message: 'server unavailable' },
} as const satisfies Readonly<Record<string, ErrorFields>>

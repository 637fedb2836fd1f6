// Types of flags.mjs, for the tests that import it.
export interface DemoFlags {
  readonly help: boolean
  readonly durationSec: number
  readonly shoppers: number
  readonly outage: boolean
  readonly reportPath: string
  readonly endpoints: string[] | undefined
}

export declare const DEFAULTS: Readonly<Omit<DemoFlags, 'help'>>
export declare const USAGE: string

export declare class DemoFlagError extends Error {
  readonly code: 'ERR_DEMO_FLAG'
  /** The flag at fault, as typed (`--duration`). */
  readonly flag: string
  constructor(message: string, flag: string)
}

export function parseFlags(argv: readonly string[]): DemoFlags

/**
 * The emulator's errors. Their codes start with `ERR_DSQL_EMULATOR_`, so an app that runs the
 * driver next to the emulator never mistakes one of these for the driver's `ERR_DSQL_CONFIG`.
 * Each class carries a brand from `Symbol.for('pg-dsql-emulator.<Name>')`, so `instanceof` holds
 * when the package is loaded twice (its ESM and CJS builds in one process).
 */

const brandsKey = Symbol.for('pg-dsql-emulator.brands')

interface BrandedClass {
  readonly brand: symbol
}

function isBrandedClass(value: unknown): value is BrandedClass {
  return typeof value === 'function' && typeof (value as { brand?: unknown }).brand === 'symbol'
}

/** Every error code the emulator's own errors carry. */
export const EMULATOR_ERROR_CODES = [
  'ERR_DSQL_EMULATOR_OPTION',
  'ERR_DSQL_EMULATOR_BACKEND',
  'ERR_DSQL_EMULATOR_START',
  'ERR_DSQL_EMULATOR_HANDSHAKE',
  'ERR_DSQL_EMULATOR_BACKEND_CONNECT',
] as const
export type EmulatorErrorCode = (typeof EMULATOR_ERROR_CODES)[number]

export class EmulatorError extends Error {
  static readonly brand: symbol = Symbol.for('pg-dsql-emulator.EmulatorError')

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (value === null || typeof value !== 'object') return false
    const brands = (value as { [brandsKey]?: ReadonlySet<symbol> })[brandsKey]
    return brands?.has(this.brand) === true
  }

  override name = 'EmulatorError'
  /** A stable `ERR_DSQL_EMULATOR_*` code: one per class, never renamed. */
  readonly code: EmulatorErrorCode

  constructor(message: string, code: EmulatorErrorCode, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    const brands = new Set<symbol>()
    for (let klass: unknown = new.target; isBrandedClass(klass); klass = Object.getPrototypeOf(klass)) {
      brands.add(klass.brand)
    }
    Object.defineProperty(this, brandsKey, { value: brands, enumerable: false })
  }
}

/**
 * An emulator option (or control API field) is missing, malformed or out of range. `option`
 * names it as the caller wrote it (`regions`, `backend`, `latencyMs.us-east-1`, ...).
 */
export class EmulatorOptionError extends EmulatorError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-emulator.EmulatorOptionError')
  override name = 'EmulatorOptionError' as const
  readonly option: string

  constructor(message: string, options: { option: string; cause?: unknown }) {
    super(message, 'ERR_DSQL_EMULATOR_OPTION', options)
    this.option = options.option
  }
}

/**
 * The backend PostgreSQL could not be started, reached or prepared. The message names the cause
 * and the fix; it never contains the backend's password.
 */
export class EmulatorBackendError extends EmulatorError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-emulator.EmulatorBackendError')
  override name = 'EmulatorBackendError' as const
  /** The option that chooses the backend, for messages and programs alike. */
  readonly option = 'backend' as const

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, 'ERR_DSQL_EMULATOR_BACKEND', options)
  }
}

/**
 * A step of `startEmulator` other than the options and the backend failed: its temporary
 * directory, its certificates, PostgreSQL's SQL parser, a Region listener or the control API.
 * `step` names it; the message says what failed and what to do.
 */
export class EmulatorStartError extends EmulatorError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-emulator.EmulatorStartError')
  override name = 'EmulatorStartError' as const
  readonly step: EmulatorStartStep

  constructor(message: string, options: { step: EmulatorStartStep; cause?: unknown }) {
    super(message, 'ERR_DSQL_EMULATOR_START', options)
    this.step = options.step
  }
}

/** The steps of `startEmulator` an `EmulatorStartError` can name. */
export const EMULATOR_START_STEPS = [
  'work-dir',
  'certificates',
  'sql-parser',
  'listen',
  'control-api',
] as const
export type EmulatorStartStep = (typeof EMULATOR_START_STEPS)[number]

/** `error.message`, or the value itself for a non-Error, for messages that wrap a cause. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

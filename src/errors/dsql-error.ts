/**
 * Every error pg-dsql throws extends `DsqlError`. Each class carries a brand from
 * `Symbol.for('pg-dsql.<Name>')`, so `instanceof` holds even when the package is loaded twice
 * (its ESM and CJS builds in one process), the way undici brands its errors.
 */

const brandsKey = Symbol.for('pg-dsql.brands')

interface Branded {
  readonly [brandsKey]?: ReadonlySet<symbol>
}

/** @internal A constructor that can carry a brand. */
interface BrandedClass {
  readonly brand: symbol
}

function isBrandedClass(value: unknown): value is BrandedClass {
  return typeof value === 'function' && typeof (value as { brand?: unknown }).brand === 'symbol'
}

/** Options shared by every pg-dsql error. */
export interface DsqlErrorOptions {
  /** The error this one explains or wraps. */
  cause?: unknown
}

export class DsqlError extends Error {
  static readonly brand: symbol = Symbol.for('pg-dsql.DsqlError')

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (value === null || typeof value !== 'object') return false
    const brands = (value as Branded)[brandsKey]
    return brands?.has(this.brand) === true
  }

  override name = 'DsqlError'
  /** A stable code: a SQLSTATE when one describes the failure, otherwise `ERR_DSQL_<WHAT>`. */
  readonly code: string

  constructor(message: string, code: string, options: DsqlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    const brands = new Set<symbol>()
    for (let klass: unknown = new.target; isBrandedClass(klass); klass = Object.getPrototypeOf(klass)) {
      brands.add(klass.brand)
    }
    Object.defineProperty(this, brandsKey, { value: brands, enumerable: false })
  }
}

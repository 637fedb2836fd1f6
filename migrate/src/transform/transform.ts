import { loadSqlParser, type SqlParser } from '../sql/index.js'
import { planTransform } from './plan-transform.js'
import { resolveTransformOptions } from './transform-options.js'
import type { TransformOptions, TransformResult } from './transform-types.js'

/** transform with PostgreSQL's parser loaded: synchronous, for hooks that cannot await. */
export interface Transformer {
  /** The same as `transform`, without the wait. */
  transform(sql: string, options?: TransformOptions): TransformResult
}

/**
 * PostgreSQL DDL (as an ORM writes it) turned into the statements DSQL runs, each meant for a
 * transaction of its own, with every change and what is left to do. Pure and deterministic: the
 * same text and options give the same result. Async only because PostgreSQL's parser loads as
 * WebAssembly on first use; `loadTransformer()` gives a synchronous one.
 *
 * Throws SqlSyntaxError where PostgreSQL cannot parse the text, and MigrateOptionsError for a bad
 * option.
 *
 * @example
 * const { statements, changes, status } = await transform(sql, { source: '0001_init.sql' })
 */
export async function transform(sql: string, options?: TransformOptions): Promise<TransformResult> {
  const resolved = resolveTransformOptions(options)
  return planTransform(await loadSqlParser(), sql, resolved)
}

/** A Transformer, once PostgreSQL's parser is loaded. */
export async function loadTransformer(): Promise<Transformer> {
  const parser = await loadSqlParser()
  return createTransformer(parser)
}

function createTransformer(parser: SqlParser): Transformer {
  return Object.freeze({
    transform: (sql: string, options?: TransformOptions) =>
      planTransform(parser, sql, resolveTransformOptions(options)),
  })
}

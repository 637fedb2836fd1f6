import type { FaultPlan } from '../control/index.js'
import type { ForwardOptions, NextStage, SessionContext, UnitReply, UnitStage } from '../session/index.js'
import type { EmulatorProfile } from '../sql/index.js'
import { analyzeSql, fieldsOf, type SqlParser, type StatementInfo } from '../sql/index.js'
import { type ClientUnit, type ErrorFields, errorResponse, readyForQuery } from '../wire/index.js'
import type { CatalogClock } from './catalog-clock.js'
import { DSQL_ERRORS } from './dsql-errors.js'
import { answerLostStatement } from './lost-statement.js'
import { isConflictError, tagsOf, withError, withStatus } from './reply-edit.js'
import {
  ageLimitError,
  mutatedRows,
  rowLimitError,
  SessionTransaction,
  sizeLimitError,
  type TransactionLimits,
} from './session-transaction.js'
import { type MessageEditor, prepareUnit } from './unit-edits.js'
import { catalogRefusal, ruleRefusal, staticRefusal } from './unit-rules.js'

/** What the transaction rules need from the cluster. */
export interface TransactionServices {
  readonly region: string
  readonly parser: SqlParser
  readonly profile: EmulatorProfile
  readonly limits: TransactionLimits
  readonly catalog: CatalogClock
  readonly faults: FaultPlan
  /** The emulator's clock, in epoch milliseconds. */
  now(): number
}

const SAVEPOINT = 'pg_dsql_occ'
const ANALYSIS_CACHE_ENTRIES = 2000

/** `COPY ... FROM STDIN`: the client streams its data, so the reply cannot be held back. */
const isCopyIn = (s: StatementInfo) => {
  const copy = fieldsOf(s.node, 'CopyStmt')
  return copy !== undefined && copy.is_from === true && copy.filename === undefined
}
const isControl = (s: StatementInfo) => s.class === 'begin' || s.class === 'commit' || s.class === 'rollback'
const isWrite = (s: StatementInfo) => s.class === 'write' || s.class === 'lock' || s.class === 'ddl'
const bytesOf = (unit: ClientUnit) => unit.frames.reduce((sum, frame) => sum + frame.raw.length, 0)
const rowsOf = (tags: readonly string[]) => tags.reduce((sum, tag) => sum + mutatedRows(tag), 0)

/**
 * DSQL's transaction semantics over a PostgreSQL session (reference §3, spec B.13–B.22,
 * C.24–C.27): refusals, catalog versions (OC001), DDL rules, row/size/age limits, injected
 * faults, and OCC. Every backend transaction runs at REPEATABLE READ with a short lock_timeout
 * (set at login). Inside a transaction each write runs under a hidden savepoint: when it would
 * wait for another transaction's row lock, or PostgreSQL finds a concurrent update, it is rolled
 * back to the savepoint and answered from a read-only equivalent on the same snapshot, and the
 * transaction's COMMIT fails with OC000. Autocommit writes run in a hidden transaction, so a
 * conflict or a limit fails the statement itself and nothing is applied.
 */
export function transactionStage(services: TransactionServices): UnitStage {
  const { limits, catalog, faults, parser, profile } = services
  const analysisCache = new Map<string, readonly StatementInfo[]>()
  let tx: SessionTransaction | undefined
  let seenVersion = catalog.version
  /** How the current unit's reply changes on its way (job rows, DSQL's settings). */
  let editor: (() => MessageEditor) | undefined

  const analyze = (sql: string): readonly StatementInfo[] => {
    let statements = analysisCache.get(sql)
    if (statements === undefined) {
      statements = analyzeSql(sql, parser, profile)
      if (analysisCache.size >= ANALYSIS_CACHE_ENTRIES) analysisCache.clear()
      analysisCache.set(sql, statements)
    }
    return statements
  }

  /** Forwards, turning a cancel at the transaction's age limit into DSQL's 54000. */
  const forward = async (
    unit: ClientUnit,
    ctx: SessionContext,
    next: NextStage,
    options: ForwardOptions = {},
  ) => {
    const startedMs = tx?.startedMs ?? services.now()
    const remainingMs = startedMs + limits.maxAgeSec * 1000 - services.now()
    let expired = false
    const timer = setTimeout(
      () => {
        expired = true
        ctx.cancelBackend()
      },
      Math.max(remainingMs, 0),
    )
    timer.unref()
    const mapError = (fields: ErrorFields) => {
      if (expired && fields.code === '57014') return ageLimitError(services.now() - startedMs, limits)
      return options.mapError?.(fields)
    }
    try {
      const edits = editor === undefined ? {} : { editMessage: editor() }
      return await next(unit, { ...options, mapError, ...edits })
    } finally {
      clearTimeout(timer)
    }
  }

  const commit = async (unit: ClientUnit, ctx: SessionContext, next: NextStage): Promise<UnitReply> => {
    const current = tx!
    if (current.lost) return ctx.fail(unit, DSQL_ERRORS.occConflict, { endsTransaction: true })
    if (current.touchedStorage && catalog.version > current.startVersion) {
      seenVersion = catalog.version
      return ctx.fail(unit, DSQL_ERRORS.schemaUpdated, { endsTransaction: true })
    }
    if (current.bytes > limits.maxBytes) {
      return ctx.fail(unit, sizeLimitError(current.bytes, limits), { endsTransaction: true })
    }
    if (await ctx.transactionWrote()) {
      const fault = faults.take(['occ', 'commit-ambiguous'], services.region)
      if (fault?.kind === 'occ') return ctx.fail(unit, DSQL_ERRORS.occConflict, { endsTransaction: true })
      if (fault?.kind === 'commit-ambiguous') {
        const reply = await next(unit, { buffer: true })
        if (reply.error !== undefined || reply.status === undefined) return ctx.reply(reply.messages)
        if (current.ddlStatements > 0) seenVersion = catalog.bump()
        // The commit applied; the client must not learn it.
        if (fault.reply === 'drop') return ctx.drop()
        return ctx.reply([errorResponse(DSQL_ERRORS.serverUnavailable), readyForQuery(reply.status)])
      }
    }
    const reply = await next(unit)
    if (reply.error === undefined && reply.status === 'I' && current.ddlStatements > 0)
      seenVersion = catalog.bump()
    return reply
  }

  const inTransaction = async (
    unit: ClientUnit,
    statements: readonly StatementInfo[],
    ctx: SessionContext,
    next: NextStage,
  ): Promise<UnitReply> => {
    const current = tx!
    if (statements.some((s) => s.touchesStorage)) current.touchedStorage = true
    const ddl = statements.filter((s) => s.class === 'ddl').length
    const writes = statements.filter((s) => s.class === 'write' || s.class === 'lock').length
    current.ddlStatements += ddl
    current.dmlStatements += writes
    if (ddl > 0) {
      // DDL waits for locks as PostgreSQL's does (DSQL's DDL never waits; see the README).
      await ctx.hidden('SET LOCAL lock_timeout = 0')
      return forward(unit, ctx, next)
    }
    if (writes === 0) return forward(unit, ctx, next)
    current.bytes += bytesOf(unit)
    const guarded = statements.length === 1
    if (guarded) {
      await ctx.hidden(
        current.savepoint
          ? `RELEASE SAVEPOINT ${SAVEPOINT}; SAVEPOINT ${SAVEPOINT}`
          : `SAVEPOINT ${SAVEPOINT}`,
      )
      current.savepoint = true
    }
    const reply = await forward(unit, ctx, next, { buffer: true })
    const error = reply.error
    if (error !== undefined && isConflictError(error)) {
      if (!guarded) return ctx.reply(withError(reply.messages, DSQL_ERRORS.occConflict))
      await ctx.hidden(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)
      current.lost = true
      const answer = await answerLostStatement(unit, statements[0]!, reply.messages, ctx, next, parser)
      if (answer === undefined) return ctx.fail(unit, DSQL_ERRORS.occConflict)
      current.rows += rowsOf(tagsOf(answer))
      if (current.rows > limits.maxRows) return ctx.fail(unit, rowLimitError())
      return ctx.reply(answer)
    }
    if (error === undefined) {
      current.rows += rowsOf(reply.tags)
      if (current.rows > limits.maxRows) return ctx.fail(unit, rowLimitError())
    }
    return ctx.reply(reply.messages)
  }

  const autocommitWrite = async (
    unit: ClientUnit,
    statements: readonly StatementInfo[],
    ctx: SessionContext,
    next: NextStage,
  ): Promise<UnitReply> => {
    const ddl = statements.some((s) => s.class === 'ddl')
    await ctx.hidden(ddl ? 'BEGIN; SET LOCAL lock_timeout = 0' : 'BEGIN')
    const reply = await forward(unit, ctx, next, { buffer: true })
    const rollback = async (messages: readonly Buffer[]) => {
      await ctx.hidden('ROLLBACK')
      return ctx.reply(withStatus(messages, 'I'))
    }
    if (reply.error !== undefined) {
      const mapped = isConflictError(reply.error)
        ? withError(reply.messages, DSQL_ERRORS.occConflict)
        : reply.messages
      return rollback(mapped)
    }
    const fail = (fields: ErrorFields) => rollback([errorResponse(fields), readyForQuery('I')])
    const rows = rowsOf(reply.tags)
    if (rows > limits.maxRows) return fail(rowLimitError())
    const bytes = bytesOf(unit)
    if (bytes > limits.maxBytes) return fail(sizeLimitError(bytes, limits))
    const messages = reply.messages
    const fault = faults.take(['occ', 'commit-ambiguous'], services.region)
    if (fault?.kind === 'occ') return fail(DSQL_ERRORS.occConflict)
    const committed = await ctx.hidden('COMMIT')
    if (committed.error !== undefined) {
      const fields = isConflictError(committed.error) ? DSQL_ERRORS.occConflict : committed.error
      return ctx.reply([errorResponse(fields), readyForQuery('I')])
    }
    if (ddl) seenVersion = catalog.bump()
    if (fault?.kind === 'commit-ambiguous') {
      if (fault.reply === 'drop') return ctx.drop()
      return ctx.reply([errorResponse(DSQL_ERRORS.serverUnavailable), readyForQuery('I')])
    }
    return ctx.reply(withStatus(messages, 'I'))
  }

  return async (clientUnit, ctx, next) => {
    const status = ctx.transactionStatus
    editor = undefined
    if (status === 'I') tx = undefined
    // A transaction the emulator did not see begin (BEGIN inside a cursor's sequence).
    else tx ??= new SessionTransaction(services.now(), catalog.version)
    const statements = clientUnit.statements.flatMap(analyze)
    if (statements.length === 0 || statements.every((s) => s.class === 'rollback') || status === 'E') {
      return next(clientUnit)
    }
    const isCommit = statements.length === 1 && statements[0]!.class === 'commit'
    if (tx !== undefined) {
      const ageMs = services.now() - tx.startedMs
      if (ageMs > limits.maxAgeSec * 1000) {
        return ctx.fail(clientUnit, ageLimitError(ageMs, limits), { endsTransaction: isCommit })
      }
    }
    const refusal = staticRefusal(statements, ctx.user, status)
    if (refusal !== undefined) return ctx.fail(clientUnit, refusal)
    const touches = statements.some((s) => s.touchesStorage)
    const fault = faults.take(
      touches
        ? ['schema', 'server-unavailable', 'drop-connection']
        : ['server-unavailable', 'drop-connection'],
      services.region,
    )
    if (fault?.kind === 'drop-connection') return ctx.drop()
    if (fault !== undefined) {
      if (fault.kind === 'schema') seenVersion = catalog.version
      const fields = fault.kind === 'schema' ? DSQL_ERRORS.schemaUpdated : DSQL_ERRORS.serverUnavailable
      return ctx.fail(clientUnit, fields, { endsTransaction: isCommit })
    }
    if (touches && seenVersion < (tx === undefined ? catalog.version : tx.startVersion)) {
      seenVersion = catalog.version
      return ctx.fail(clientUnit, DSQL_ERRORS.schemaUpdated)
    }
    const violation = ruleRefusal(statements, tx)
    if (violation !== undefined) return ctx.fail(clientUnit, violation)
    const streams = ctx.inFlushSequence || clientUnit.boundary === 'flush' || clientUnit.boundary === 'other'
    const found = streams ? undefined : await catalogRefusal(statements, ctx)
    if (found !== undefined) return ctx.fail(clientUnit, found)
    const prepared = prepareUnit(clientUnit, statements)
    editor = prepared.editor
    const unit = prepared.unit
    if (streams || statements.some(isCopyIn)) return forward(unit, ctx, next)
    if (status === 'T' && tx !== undefined) {
      if (isCommit) return commit(unit, ctx, next)
      if (!statements.some(isControl)) return inTransaction(unit, statements, ctx, next)
      if (tx.lost && statements.some((s) => s.class === 'commit')) {
        return ctx.fail(unit, DSQL_ERRORS.occConflict, { endsTransaction: true })
      }
    }
    if (status === 'I' && statements.some(isWrite) && !statements.some(isControl)) {
      return autocommitWrite(unit, statements, ctx, next)
    }
    if (status === 'I' && statements.every((s) => s.class === 'begin')) {
      // DSQL takes the snapshot at BEGIN; PostgreSQL at the first statement that needs one. It
      // is taken before the client hears that BEGIN is done: a commit the client makes on another
      // connection once it has must not be in the snapshot.
      const reply = await forward(unit, ctx, next, { buffer: true })
      if (reply.status === 'T') {
        tx = new SessionTransaction(services.now(), catalog.version)
        await ctx.hidden('SELECT 1')
      }
      return ctx.reply(reply.messages)
    }
    const reply = await forward(unit, ctx, next)
    if (status === 'I' && reply.status === 'T') tx = new SessionTransaction(services.now(), catalog.version)
    return reply
  }
}

import type { NextStage, SessionContext } from '../session/index.js'
import {
  type SqlParser,
  type StatementInfo,
  shadowPlan,
  shadowTable,
  type TableColumn,
  tableColumnsSql,
} from '../sql/index.js'
import {
  BACKEND,
  bindMessage,
  type ClientUnit,
  closeMessage,
  commandComplete,
  createUnit,
  describeMessage,
  executeMessage,
  FRONTEND,
  parseBindSections,
  parseMessage,
  parseParameterDescription,
  parseParameterTypes,
  query,
  readyForQuery,
  sync,
} from '../wire/index.js'
import { beforeError, toFrame } from './reply-edit.js'

async function exchange(next: NextStage, frames: readonly Buffer[], boundary: 'query' | 'sync') {
  const unit = createUnit(frames.map(toFrame), boundary, [])
  return next(unit, { buffer: true })
}

function firstValue(row: Buffer): string | undefined {
  const body = row.subarray(5)
  if (body.readUInt16BE(0) === 0) return undefined
  const length = body.readInt32BE(2)
  return length < 0 ? undefined : body.toString('utf8', 6, 6 + length)
}

/** The parameter types PostgreSQL inferred for the client's statement, by preparing it again. */
async function parameterTypes(unit: ClientUnit, info: StatementInfo, next: NextStage) {
  const parse = unit.frames.find((frame) => frame.type === FRONTEND.Parse)
  const declared = parse === undefined ? [] : parseParameterTypes(parse.body)
  const reply = await exchange(
    next,
    [
      parseMessage('pg_dsql_probe', info.text, declared),
      describeMessage('S', 'pg_dsql_probe'),
      closeMessage('S', 'pg_dsql_probe'),
      sync(),
    ],
    'sync',
  )
  const description = reply.messages.find((m) => m[0] === BACKEND.ParameterDescription)
  return reply.error === undefined && description !== undefined
    ? parseParameterDescription(description.subarray(5))
    : undefined
}

/**
 * The answer to a statement that lost a conflict inside a transaction, after the emulator rolled
 * it back to its savepoint: the reply it would have had, from a read-only equivalent run on the
 * same snapshot (its row count, and its RETURNING rows). DSQL lets the statement succeed and
 * fails the COMMIT instead. `undefined` when no equivalent is known or it fails.
 */
export async function answerLostStatement(
  unit: ClientUnit,
  info: StatementInfo,
  original: readonly Buffer[],
  ctx: SessionContext,
  next: NextStage,
  parser: SqlParser,
): Promise<Buffer[] | undefined> {
  if (info.node === undefined) return undefined
  let columns: TableColumn[] = []
  const table = shadowTable(info.node)
  if (table !== undefined) {
    const described = await ctx.hidden(tableColumnsSql(table))
    if (described.error !== undefined) return undefined
    columns = described.rows.map(([name, type, defaultExpr]) => ({
      name: name ?? '',
      type: type ?? 'text',
      defaultExpr: defaultExpr ?? null,
    }))
  }
  const plan = shadowPlan(info.node, parser, columns)
  if (plan === undefined) return undefined

  let reply: Awaited<ReturnType<typeof exchange>>
  if (unit.boundary === 'query') {
    reply = await exchange(next, [query(plan.sql)], 'query')
  } else {
    const bind = unit.frames.find((frame) => frame.type === FRONTEND.Bind)
    const types = await parameterTypes(unit, info, next)
    if (bind === undefined || types === undefined) return undefined
    const { parameters, resultFormats } = parseBindSections(bind.body)
    reply = await exchange(
      next,
      [
        parseMessage('pg_dsql_shadow', plan.sql, types),
        bindMessage('pg_dsql_shadow', parameters, plan.returnsRows ? resultFormats : [0]),
        describeMessage('P', ''),
        executeMessage(''),
        closeMessage('S', 'pg_dsql_shadow'),
        sync(),
      ],
      'sync',
    )
  }
  if (reply.error !== undefined) return undefined
  const rows = reply.messages.filter((m) => m[0] === BACKEND.DataRow)
  const prefix = beforeError(original).filter((m) => m[0] !== BACKEND.DataRow)
  if (!plan.returnsRows) {
    const count = rows[0] === undefined ? '0' : (firstValue(rows[0]) ?? '0')
    return [...prefix, commandComplete(`${plan.verb} ${count}`), readyForQuery('T')]
  }
  const described = prefix.some((m) => m[0] === BACKEND.RowDescription || m[0] === BACKEND.NoData)
  const description = reply.messages.find((m) => m[0] === BACKEND.RowDescription)
  const head = !described && unit.boundary === 'query' && description !== undefined ? [description] : []
  return [...prefix, ...head, ...rows, commandComplete(`${plan.verb} ${rows.length}`), readyForQuery('T')]
}

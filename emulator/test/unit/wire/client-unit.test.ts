import { describe, expect, it } from 'vitest'
import { type ClientUnit, UnitAssembler } from '../../../src/wire/client-unit.js'
import type { Frame } from '../../../src/wire/message-reader.js'
import { FRONTEND } from '../../../src/wire/message-types.js'

function frame(type: number, ...parts: (string | number)[]): Frame {
  const body = Buffer.concat(
    parts.map((part) => {
      if (typeof part === 'string') return Buffer.from(`${part}\0`)
      const b = Buffer.alloc(4)
      b.writeInt32BE(part)
      return b
    }),
  )
  const raw = Buffer.concat([Buffer.from([type, 0, 0, 0, 0]), body])
  raw.writeUInt32BE(4 + body.length, 1)
  return { type, body, raw }
}

const parse = (name: string, sql: string) => frame(FRONTEND.Parse, name, sql)
const bind = (portal: string, statement: string) => frame(FRONTEND.Bind, portal, statement)
const execute = (portal: string) => frame(FRONTEND.Execute, portal, 0)
const sync = () => frame(FRONTEND.Sync)
const flush = () => frame(FRONTEND.Flush)

function units(frames: Frame[]): ClientUnit[] {
  const assembler = new UnitAssembler()
  return frames.flatMap((f) => assembler.push(f) ?? [])
}

describe('UnitAssembler', () => {
  it('makes a simple query a unit on its own', () => {
    const [unit] = units([frame(FRONTEND.Query, 'SELECT 1')])
    expect(unit).toMatchObject({ boundary: 'query', statements: ['SELECT 1'] })
  })

  it('gathers an extended query up to Sync and traces Execute to its SQL', () => {
    const [unit] = units([
      parse('', 'SELECT $1'),
      bind('', ''),
      frame(FRONTEND.Describe, 'P'),
      execute(''),
      sync(),
    ])
    expect(unit).toMatchObject({ boundary: 'sync', statements: ['SELECT $1'] })
    expect(unit!.frames).toHaveLength(5)
  })

  it('splits a pipelined batch at each Sync', () => {
    const result = units([
      parse('a', 'INSERT INTO t VALUES (1)'),
      bind('', 'a'),
      execute(''),
      sync(),
      bind('p', 'a'),
      execute('p'),
      sync(),
    ])
    expect(result.map((u) => u.statements)).toEqual([
      ['INSERT INTO t VALUES (1)'],
      ['INSERT INTO t VALUES (1)'],
    ])
  })

  it('ends a unit at Flush, as a cursor does', () => {
    const result = units([parse('', 'SELECT 1'), bind('c', ''), execute('c'), flush(), execute('c'), flush()])
    expect(result.map((u) => [u.boundary, u.statements.length])).toEqual([
      ['flush', 1],
      ['flush', 1],
    ])
  })

  it('forgets a statement closed by Close', () => {
    const result = units([
      parse('s', 'SELECT 1'),
      frame(FRONTEND.Close, 'Ss'),
      bind('', 's'),
      execute(''),
      sync(),
    ])
    expect(result[0]!.statements).toEqual([''])
  })
})

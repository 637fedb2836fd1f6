import { describe, expect, it } from 'vitest'
import { FRONTEND } from '../../../src/wire/message-types.js'
import { bind, execute, flush, frame, parse, sync, units } from '../../support/frames.js'

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

import { describe, expect, it } from 'vitest'
import type { Frame } from '../../../src/wire/message-reader.js'
import { BACKEND, FRONTEND } from '../../../src/wire/message-types.js'
import { ReplyTracker } from '../../../src/wire/reply-tracker.js'
import { bind, execute, flush, frame, parse, sync, units } from '../../support/frames.js'

describe('ReplyTracker', () => {
  it.each([
    [
      'a simple query',
      [frame(FRONTEND.Query, 'SELECT 1')],
      [BACKEND.RowDescription, BACKEND.DataRow, BACKEND.CommandComplete, BACKEND.ReadyForQuery],
    ],
    [
      'a synced extended query',
      [parse('', 'x'), bind('', ''), execute(''), sync()],
      [BACKEND.ParseComplete, BACKEND.BindComplete, BACKEND.CommandComplete, BACKEND.ReadyForQuery],
    ],
    [
      'a flushed extended query',
      [parse('', 'x'), bind('', ''), execute(''), flush()],
      [BACKEND.ParseComplete, BACKEND.BindComplete, BACKEND.DataRow, BACKEND.PortalSuspended],
    ],
    [
      'a flushed query that fails',
      [parse('', 'x'), bind('', ''), execute(''), flush()],
      [BACKEND.ErrorResponse],
    ],
    [
      'a flushed describe',
      [parse('s', 'x'), frame(FRONTEND.Describe, 'Ss'), flush()],
      [BACKEND.ParseComplete, BACKEND.ParameterDescription, BACKEND.RowDescription],
    ],
  ])('knows when the reply to %s is complete', (_name, frames, replies) => {
    const [unit] = units(frames as Frame[])
    const tracker = new ReplyTracker(unit!)
    const done = replies.map((type) => tracker.accept(type))
    expect(done).toEqual([...replies.slice(1).map(() => false), true])
  })

  it('is complete at once for a bare Flush', () => {
    const [unit] = units([flush()])
    expect(new ReplyTracker(unit!).done).toBe(true)
  })

  it('reports COPY FROM STDIN until the copy ends', () => {
    const [unit] = units([frame(FRONTEND.Query, 'COPY t FROM STDIN')])
    const tracker = new ReplyTracker(unit!)
    tracker.accept(BACKEND.CopyInResponse)
    expect(tracker.copyIn).toBe(true)
    tracker.accept(BACKEND.CommandComplete)
    expect(tracker.copyIn).toBe(false)
  })
})

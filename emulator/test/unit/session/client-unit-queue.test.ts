import { describe, expect, it } from 'vitest'
import { ClientUnitQueue } from '../../../src/session/client-unit-queue.js'
import { query, sync, terminate } from '../../../src/wire/index.js'

const frame = (type: string, body = Buffer.alloc(0)) => {
  const header = Buffer.alloc(5)
  header.write(type, 0, 'latin1')
  header.writeUInt32BE(4 + body.length, 1)
  return Buffer.concat([header, body])
}
const never = () => false
const nowhere = () => undefined

describe('ClientUnitQueue', () => {
  it('gathers frames into units and hands them out in order', () => {
    const queue = new ClientUnitQueue(1024)
    expect(queue.read(Buffer.concat([query('SELECT 1'), query('SELECT 2')]), never, nowhere)).toBe('units')
    expect(queue.backlog).toBe(2)
    expect(queue.take()?.statements).toEqual(['SELECT 1'])
    expect(queue.take()?.statements).toEqual(['SELECT 2'])
    expect(queue.take()).toBeUndefined()
  })

  it('reports Terminate and broken frames', () => {
    expect(new ClientUnitQueue(1024).read(terminate(), never, nowhere)).toBe('terminate')
    expect(new ClientUnitQueue(16).read(query('SELECT 1 + 1 + 1 + 1'), never, nowhere)).toBe('broken')
  })

  it('passes COPY data on at once while the backend waits for it, and only then', () => {
    const copied: Buffer[] = []
    const queue = new ClientUnitQueue(1024)
    const data = frame('d', Buffer.from('1\n'))
    queue.read(
      data,
      () => true,
      (raw) => copied.push(raw),
    )
    expect(copied).toEqual([data])
    expect(queue.backlog).toBe(0)
    queue.read(data, never, (raw) => copied.push(raw))
    expect(copied).toHaveLength(1)
  })

  it('skips units up to the next Sync and answers that Sync alone', () => {
    const queue = new ClientUnitQueue(1024)
    queue.read(
      Buffer.concat([frame('H'), query('SELECT 1'), frame('E', Buffer.from('\0\0\0\0\0')), sync()]),
      never,
      nowhere,
    )
    const answered = queue.takeSync()
    expect(answered).toMatchObject({ boundary: 'sync', statements: [] })
    expect(answered?.frames).toHaveLength(1)
    expect(queue.backlog).toBe(0)
    expect(queue.takeSync()).toBeUndefined()
  })
})

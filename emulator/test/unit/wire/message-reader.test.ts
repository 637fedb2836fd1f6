import { describe, expect, it } from 'vitest'
import { joinFrames, MessageReader } from '../../../src/wire/message-reader.js'

function message(type: string, body: string): Buffer {
  const out = Buffer.alloc(5 + body.length)
  out.write(type, 0, 'latin1')
  out.writeUInt32BE(4 + body.length, 1)
  out.write(body, 5, 'latin1')
  return out
}

function drain(reader: MessageReader) {
  const frames = []
  for (let frame = reader.next(); frame !== undefined; frame = reader.next()) frames.push(frame)
  return frames
}

describe('MessageReader', () => {
  it('returns each whole message as views of the received chunk', () => {
    const chunk = Buffer.concat([message('Q', 'SELECT 1\0'), message('S', '')])
    const reader = new MessageReader(1024)
    reader.push(chunk)
    const frames = drain(reader)
    expect(frames.map((f) => [String.fromCharCode(f.type), f.body.toString('latin1')])).toEqual([
      ['Q', 'SELECT 1\0'],
      ['S', ''],
    ])
    expect(frames[0]!.raw.buffer).toBe(chunk.buffer)
  })

  it.each([1, 2, 3, 5, 7])('reassembles messages split every %i bytes', (step) => {
    const bytes = Buffer.concat([message('P', 'abc\0SELECT $1\0\0\0'), message('B', 'xyz'), message('S', '')])
    const reader = new MessageReader(1024)
    const frames = []
    for (let i = 0; i < bytes.length; i += step) {
      reader.push(bytes.subarray(i, i + step))
      frames.push(...drain(reader))
    }
    expect(Buffer.concat(frames.map((f) => f.raw))).toEqual(bytes)
    expect(reader.bufferedBytes).toBe(0)
  })

  it('stops at a message over the size limit before it arrives', () => {
    const header = Buffer.from([0x51, 0x00, 0xa0, 0x00, 0x01])
    const reader = new MessageReader(10 * 1024 * 1024)
    reader.push(header)
    expect(reader.next()).toBeUndefined()
    expect(reader.error).toBe('oversized')
  })

  it('stops at a length below 4', () => {
    const reader = new MessageReader(1024)
    reader.push(Buffer.from([0x51, 0, 0, 0, 3]))
    expect(reader.next()).toBeUndefined()
    expect(reader.error).toBe('invalid-length')
  })
})

describe('joinFrames', () => {
  it('joins adjacent frames of one chunk without copying', () => {
    const chunk = Buffer.concat([message('Q', 'a\0'), message('S', ''), message('X', '')])
    const reader = new MessageReader(1024)
    reader.push(chunk)
    const [a, b] = drain(reader)
    const joined = joinFrames([a!, b!])
    expect(joined.buffer).toBe(chunk.buffer)
    expect(joined).toEqual(chunk.subarray(0, a!.raw.length + b!.raw.length))
  })

  it('copies frames from different chunks', () => {
    const reader = new MessageReader(1024)
    reader.push(message('Q', 'a\0'))
    const [a] = drain(reader)
    reader.push(message('S', ''))
    const [b] = drain(reader)
    expect(joinFrames([a!, b!])).toEqual(Buffer.concat([message('Q', 'a\0'), message('S', '')]))
  })
})

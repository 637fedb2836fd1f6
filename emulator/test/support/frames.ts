import { type ClientUnit, UnitAssembler } from '../../src/wire/client-unit.js'
import type { Frame } from '../../src/wire/message-reader.js'
import { FRONTEND } from '../../src/wire/message-types.js'

/** One frontend message as the message reader hands it on: strings NUL-ended, numbers int32. */
export function frame(type: number, ...parts: (string | number)[]): Frame {
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

export const parse = (name: string, sql: string) => frame(FRONTEND.Parse, name, sql)
export const bind = (portal: string, statement: string) => frame(FRONTEND.Bind, portal, statement)
export const execute = (portal: string) => frame(FRONTEND.Execute, portal, 0)
export const sync = () => frame(FRONTEND.Sync)
export const flush = () => frame(FRONTEND.Flush)

/** The units an assembler makes of `frames`, in order. */
export function units(frames: Frame[]): ClientUnit[] {
  const assembler = new UnitAssembler()
  return frames.flatMap((f) => assembler.push(f) ?? [])
}

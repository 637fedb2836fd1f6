import { randomInt } from 'node:crypto'
import type { StatementInfo } from '../sql/index.js'
import {
  type ClientUnit,
  createUnit,
  FRONTEND,
  parseMessage,
  parseParameterTypes,
  parseParse,
  query,
} from '../wire/index.js'
import { toFrame } from './reply-edit.js'

const JOB_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

/** A DSQL job id: 26 lowercase RFC 4648 base32 characters (a UUID's 128 bits, base32). */
export function newJobId(): string {
  let id = ''
  for (let i = 0; i < 26; i++) id += JOB_ALPHABET[randomInt(32)]
  return id
}

/**
 * The unit with the backend's text for statements the emulator rewrites (`ASYNC` removed,
 * `version()` answered). An extended-protocol unit is rewritten only when it carries its Parse.
 */
export function rewriteUnit(unit: ClientUnit, statements: readonly StatementInfo[]): ClientUnit {
  if (!statements.some((s) => s.rewritten)) return unit
  if (unit.boundary === 'query') {
    const text = statements.map((s) => s.text).join(';\n')
    return createUnit([toFrame(query(text))], 'query', [text])
  }
  if (statements.length !== 1) return unit
  const frames = unit.frames.map((frame) => {
    if (frame.type !== FRONTEND.Parse) return frame
    const { name } = parseParse(frame.body)
    return toFrame(parseMessage(name, statements[0]!.text, parseParameterTypes(frame.body)))
  })
  return createUnit(frames, unit.boundary, [statements[0]!.text])
}

/** One protocol message: its type byte, its length (itself included) and its body. */
export function frame(type: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length)
  out[0] = type
  out.writeUInt32BE(4 + body.length, 1)
  body.copy(out, 5)
  return out
}

/** A NUL-terminated UTF-8 string, as the protocol writes names and texts. */
export function cstring(value: string): Buffer {
  return Buffer.from(`${value}\0`, 'utf8')
}

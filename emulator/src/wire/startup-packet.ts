/** The request codes PostgreSQL puts where a startup packet's protocol version goes. */
export const REQUEST_CODES = {
  ssl: 80877103,
  gssenc: 80877104,
  cancel: 80877102,
} as const

/** PostgreSQL refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET_BYTES = 10_000

/** A TLS record starts with 0x16 (handshake): a client using direct TLS sends it first. */
export const TLS_HANDSHAKE_BYTE = 0x16

/** What the first untyped packet of a connection asks for. */
export type StartupPacket =
  | { readonly kind: 'ssl' }
  | { readonly kind: 'gssenc' }
  | { readonly kind: 'cancel'; readonly processId: number; readonly secretKey: number }
  | {
      readonly kind: 'startup'
      readonly majorVersion: number
      readonly minorVersion: number
      readonly parameters: ReadonlyMap<string, string>
    }
  | { readonly kind: 'invalid'; readonly reason: string }

/**
 * The length a startup packet announces, once 4 bytes are there; `undefined` before. A length
 * outside [8, 10000] is reported as is: the caller closes the connection.
 */
export function startupPacketLength(buffer: Buffer): number | undefined {
  return buffer.length < 4 ? undefined : buffer.readUInt32BE(0)
}

export function isValidStartupLength(length: number): boolean {
  return length >= 8 && length <= MAX_STARTUP_PACKET_BYTES
}

/** Parses one complete untyped packet (length included). Pure. */
export function parseStartupPacket(packet: Buffer): StartupPacket {
  const code = packet.readUInt32BE(4)
  if (code === REQUEST_CODES.ssl) {
    return packet.length === 8 ? { kind: 'ssl' } : { kind: 'invalid', reason: 'invalid SSL request length' }
  }
  if (code === REQUEST_CODES.gssenc) {
    return packet.length === 8
      ? { kind: 'gssenc' }
      : { kind: 'invalid', reason: 'invalid GSSENC request length' }
  }
  if (code === REQUEST_CODES.cancel) {
    if (packet.length !== 16) return { kind: 'invalid', reason: 'invalid cancel request length' }
    return { kind: 'cancel', processId: packet.readUInt32BE(8), secretKey: packet.readUInt32BE(12) }
  }
  const majorVersion = code >>> 16
  const minorVersion = code & 0xffff
  if (majorVersion !== 3) {
    return { kind: 'invalid', reason: `unsupported frontend protocol ${majorVersion}.${minorVersion}` }
  }
  // Pairs of NUL-terminated strings, then one more NUL.
  if (packet[packet.length - 1] !== 0) {
    return { kind: 'invalid', reason: 'invalid startup packet layout: expected terminator as last byte' }
  }
  const parameters = new Map<string, string>()
  let offset = 8
  while (offset < packet.length - 1) {
    const keyEnd = packet.indexOf(0, offset)
    const valueEnd = keyEnd < 0 ? -1 : packet.indexOf(0, keyEnd + 1)
    if (keyEnd <= offset || valueEnd < 0 || valueEnd >= packet.length - 1) {
      return { kind: 'invalid', reason: 'invalid startup packet layout: expected terminator as last byte' }
    }
    parameters.set(packet.toString('utf8', offset, keyEnd), packet.toString('utf8', keyEnd + 1, valueEnd))
    offset = valueEnd + 1
  }
  if (offset !== packet.length - 1) {
    return { kind: 'invalid', reason: 'invalid startup packet layout: expected terminator as last byte' }
  }
  return { kind: 'startup', majorVersion, minorVersion, parameters }
}

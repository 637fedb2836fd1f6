import type { SourceLocation } from './source-location.js'

/**
 * Positions in one text, computed once: PostgreSQL's parser counts UTF-8 bytes, JavaScript counts
 * UTF-16 units, and a long migration has thousands of statements to place.
 */
export class TextIndex {
  readonly #lineStarts: number[] = [0]
  readonly #charAtByte: Uint32Array | undefined
  readonly #source: string | undefined

  constructor(text: string, source?: string) {
    this.#source = source
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1))
      this.#lineStarts.push(at + 1)
    const bytes = Buffer.byteLength(text, 'utf8')
    if (bytes === text.length) return
    this.#charAtByte = new Uint32Array(bytes + 1)
    let byte = 0
    for (let char = 0; char < text.length; char++) {
      const code = text.codePointAt(char) as number
      const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4
      for (let i = 0; i < width; i++) this.#charAtByte[byte + i] = char
      byte += width
      if (code >= 0x10000) char++
    }
    this.#charAtByte[bytes] = text.length
  }

  /** The character offset of UTF-8 byte `byteOffset`. */
  charAt(byteOffset: number): number {
    if (this.#charAtByte === undefined) return byteOffset
    return this.#charAtByte[Math.min(Math.max(0, byteOffset), this.#charAtByte.length - 1)] as number
  }

  /** The UTF-8 byte offset of character `charOffset`. */
  byteAt(charOffset: number, text: string): number {
    return this.#charAtByte === undefined ? charOffset : Buffer.byteLength(text.slice(0, charOffset), 'utf8')
  }

  /** Line and column of character `offset`. */
  locate(offset: number): SourceLocation {
    let low = 0
    let high = this.#lineStarts.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if ((this.#lineStarts[middle] as number) <= offset) low = middle
      else high = middle - 1
    }
    const location = { line: low + 1, column: offset - (this.#lineStarts[low] as number) + 1, offset }
    return this.#source === undefined ? location : { source: this.#source, ...location }
  }
}

export type { Queryable } from './catalog-reader.js'
export type { Recognition } from './recognition.js'
export { StatementRecognizer } from './recognize-statement.js'

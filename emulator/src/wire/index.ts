export {
  authenticationCleartextPassword,
  authenticationOk,
  backendKeyData,
  commandComplete,
  dataRow,
  type ErrorFields,
  errorResponse,
  negotiateProtocolVersion,
  parameterStatus,
  parseCommandTag,
  parseErrorFields,
  parseParameterDescription,
  parseParameterStatus,
  parseReadyStatus,
  readyForQuery,
  rowDescription,
} from './backend-messages.js'
export { type ClientUnit, createUnit, UnitAssembler, type UnitBoundary } from './client-unit.js'
export {
  bindMessage,
  cancelRequest,
  closeMessage,
  describeMessage,
  executeMessage,
  parseBindSections,
  parseMessage,
  parseParameterTypes,
  parseParse,
  parsePassword,
  passwordMessage,
  query,
  saslInitialResponse,
  saslResponse,
  sslRequest,
  startupMessage,
  sync,
  terminate,
} from './frontend-messages.js'
export { type Frame, joinFrames, MessageReader } from './message-reader.js'
export { BACKEND, FRONTEND, type TransactionStatus } from './message-types.js'
export { ReplyTracker } from './reply-tracker.js'
export {
  isValidStartupLength,
  MAX_STARTUP_PACKET_BYTES,
  parseStartupPacket,
  TLS_HANDSHAKE_BYTE,
} from './startup-packet.js'

export {
  type ClusterHandshakeServices,
  type HandshakeServices,
  runHandshake,
  type StartedSession,
} from './client-handshake.js'
export { RelaySession } from './relay-session.js'
export type {
  ForwardOptions,
  NextStage,
  SessionContext,
  UnitOutcome,
  UnitReply,
  UnitStage,
} from './unit-pipeline.js'

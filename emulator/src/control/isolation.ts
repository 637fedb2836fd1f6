/** How `isolate` cuts a Region off. */
export const ISOLATION_MODES = ['refuse', 'blackhole'] as const
export type IsolationMode = (typeof ISOLATION_MODES)[number]
export const EXISTING_SESSION_POLICIES = ['drop', 'error'] as const
export type ExistingSessionPolicy = (typeof EXISTING_SESSION_POLICIES)[number]

/**
 * `mode`: new connections are reset (`refuse`) or accepted and never answered (`blackhole`).
 * `existing`: open sessions are closed (`drop`) or answer each statement with `XX000 server
 * unavailable` until `heal` (`error`).
 */
export interface IsolationOptions {
  readonly mode: IsolationMode
  readonly existing: ExistingSessionPolicy
}

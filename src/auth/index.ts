export type { ChainLoader } from './credentials-provider.js'
export {
  CREDENTIALS_REFRESH_MARGIN_MS,
  createCredentialsProvider,
  FAILURE_HOLD_MS,
} from './credentials-provider.js'
export type { SignToken, TokenKey } from './sign-token.js'
export { signWithDsqlSigner } from './sign-token.js'
export type { ScheduleTimer, TokenProviderOptions } from './token-provider.js'
export {
  CREDENTIALS_MARGIN_MS,
  HANDOUT_MARGIN_MS,
  REFRESH_AT_FRACTION,
  REFUSAL_WINDOW_MS,
  scheduleUnref,
  TokenProvider,
} from './token-provider.js'

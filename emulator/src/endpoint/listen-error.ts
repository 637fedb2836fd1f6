import { EmulatorOptionError, EmulatorStartError, reasonOf } from '../emulator-error.js'

/**
 * Why a Region's endpoint could not listen: an `EmulatorOptionError` naming `port` or `host`
 * when changing that option is the fix, else an `EmulatorStartError`.
 */
export function listenError(error: unknown, region: string, host: string, port: number): Error {
  const code = (error as { code?: unknown }).code
  const where = `${region}'s endpoint cannot listen on ${host}:${port} (${reasonOf(error)})`
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    return new EmulatorOptionError(
      `Emulator option port: ${where}. Pick another port, or 0 for free ports` +
        (code === 'EACCES' ? ' (ports below 1024 need privileges).' : '.'),
      { option: 'port', cause: error },
    )
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new EmulatorOptionError(
      `Emulator option host: ${where}. Use an address of this machine, such as 127.0.0.1.`,
      { option: 'host', cause: error },
    )
  }
  return new EmulatorStartError(`The emulator did not start: ${where}.`, { step: 'listen', cause: error })
}

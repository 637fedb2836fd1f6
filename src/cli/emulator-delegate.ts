import type { CliIo } from './run-cli.js'

/** The part of the `pg-dsql-emulator` package this command uses. */
interface EmulatorPackage {
  runEmulatorCommand(args: readonly string[], io: CliIo): Promise<number>
}

/** Loads the emulator package; tests pass their own. */
export type LoadEmulator = () => Promise<EmulatorPackage>

// The emulator is its own package, so an app that only connects to DSQL installs no SQL parser,
// X.509 library or PostgreSQL binaries. Its name sits in a variable: the driver has no static
// import of it, and bundlers and the type checker do not require it.
const EMULATOR_PACKAGE = 'pg-dsql-emulator'

const loadEmulator: LoadEmulator = () => import(EMULATOR_PACKAGE) as Promise<EmulatorPackage>

const INSTALL_HINT =
  'pg-dsql emulator: the emulator is its own package, pg-dsql-emulator, and it is not installed here.\n' +
  'Install it next to pg-dsql (npm install --save-dev pg-dsql-emulator), or run it without installing:\n' +
  '  npx pg-dsql-emulator --env-file .env.dsql\n'

/** `pg-dsql emulator`: runs `pg-dsql-emulator` with the same arguments when it is installed. */
export async function emulatorCommand(
  args: readonly string[],
  io: CliIo,
  load: LoadEmulator = loadEmulator,
): Promise<number> {
  let emulator: EmulatorPackage
  try {
    emulator = await load()
  } catch (error) {
    if (!isMissing(error)) throw error
    io.stderr.write(INSTALL_HINT)
    return 1
  }
  return emulator.runEmulatorCommand(args, io)
}

/** True when the emulator package itself is missing (not one of its own dependencies). */
function isMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${EMULATOR_PACKAGE}'`)
  )
}

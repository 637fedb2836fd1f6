/** DSQL feature profiles: `2026` (current) or `late-2025` (before sequences, foreign keys, ...). */
export const EMULATOR_PROFILES = ['2026', 'late-2025'] as const
export type EmulatorProfile = (typeof EMULATOR_PROFILES)[number]

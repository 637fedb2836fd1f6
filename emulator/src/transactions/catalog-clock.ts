/**
 * The cluster's catalog version: a committed DDL, GRANT or REVOKE moves it, and a session whose
 * cached version is older gets OC001 (reference B.16). One per emulator, so emulators sharing a
 * backend database do not disturb each other.
 */
export class CatalogClock {
  #version = 0

  get version(): number {
    return this.#version
  }

  /** A catalog change committed; returns the new version. */
  bump(): number {
    this.#version++
    return this.#version
  }
}

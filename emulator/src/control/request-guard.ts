import type { IncomingHttpHeaders } from 'node:http'

/** Why the control API refuses a request before reading it: an HTTP status and the reason. */
export interface GuardRefusal {
  readonly status: 403 | 415
  readonly error: string
}

/** The names the control API answers to: its loopback address and the loopback names. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'] as const

/**
 * Whether the control API may serve a request, from its headers alone. The API listens on
 * 127.0.0.1, but a web page the developer opens can still reach it: by a cross-site form or
 * fetch (CSRF: a `text/plain` or form body, and a foreign `Origin`), or through a name of its own
 * that resolves to 127.0.0.1 (DNS rebinding: a foreign `Host`). So:
 *
 * - `Host` must be a loopback name with the API's port;
 * - an `Origin`, when present, must be the API's own (`http://127.0.0.1:<port>`);
 * - a request with a body, or with any `Content-Type`, must be `application/json`, which no
 *   page can send cross-site without a CORS preflight the API never answers.
 *
 * `undefined` when the request may go on. Pure.
 */
export function guardRequest(headers: IncomingHttpHeaders, port: number): GuardRefusal | undefined {
  const host = headers.host?.toLowerCase()
  if (host === undefined || !LOOPBACK_HOSTS.some((name) => host === `${name}:${port}`)) {
    return {
      status: 403,
      error:
        `the control API answers only to Host 127.0.0.1:${port}, localhost:${port} or [::1]:${port}; ` +
        `got ${host === undefined ? 'none' : JSON.stringify(host)}. Call it at its own URL (DSQL_EMULATOR_CONTROL).`,
    }
  }
  const origin = headers.origin
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}`) {
    return {
      status: 403,
      error: `the control API refuses requests from another origin (Origin ${JSON.stringify(origin)}); call it from a program, not a web page.`,
    }
  }
  const type = headers['content-type']
  const hasBody =
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0')
  if ((hasBody || type !== undefined) && !isJson(type)) {
    return {
      status: 415,
      error:
        `the control API takes only JSON bodies: send Content-Type: application/json; got ` +
        `${type === undefined ? 'none' : JSON.stringify(type)}.`,
    }
  }
  return undefined
}

/** `application/json`, with parameters (`; charset=utf-8`) or not. */
function isJson(type: string | undefined): boolean {
  return type?.split(';')[0]?.trim().toLowerCase() === 'application/json'
}

import { Socket } from 'node:net'

/**
 * For clients that cannot split a host from its address (AWS's connector): a socket factory for
 * pg's `stream` option that connects to `address:port` whatever host pg asks for, so the token
 * and TLS still use the endpoint host while TCP reaches the emulator.
 */
export function redirectTo(address, port) {
  return () => {
    const socket = new Socket()
    const connect = socket.connect.bind(socket)
    socket.connect = () => connect({ host: address, port })
    return socket
  }
}

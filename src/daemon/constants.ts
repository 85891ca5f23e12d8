/** Time the daemon gives the node and the API to stop before giving up on a clean shutdown. */
export const STOP_TIMEOUT_MS = 8000;
/** Fallback listen address when the default port is taken. */
export const EPHEMERAL_LISTEN = ['/ip4/0.0.0.0/tcp/0'];

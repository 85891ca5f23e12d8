/** Stable error codes raised by src/api (aggregated in src/errors/codes.ts). Append-only. */
export const API_CODES = {
  MURMUR_API_UNAUTHORIZED: 'The local API request had no bearer token or a wrong one (see <data>/api-token).',
  MURMUR_API_NOT_FOUND: 'No local API route matches this path.',
  MURMUR_API_METHOD_NOT_ALLOWED: 'The local API path exists but not with this HTTP method.',
  MURMUR_API_BAD_REQUEST:
    'The local API request is malformed (bad JSON, bad path encoding, wrong field types).',
  MURMUR_API_BODY_TOO_LARGE: 'The local API request body exceeds its size cap.',
  MURMUR_API_NOT_LOOPBACK: 'The local API may only bind to a loopback address (127.0.0.0/8, ::1, localhost).',
  MURMUR_API_FORBIDDEN_HOST: 'The request Host header is not a loopback name (DNS-rebinding protection).',
  MURMUR_API_INTERNAL: 'The local API failed unexpectedly while handling a request (see the node log).',
  MURMUR_API_BAD_RESPONSE: 'The local API answered something the client could not understand.',
  MURMUR_NODE_NOT_RUNNING: 'No murmur node is running for this data folder (start it with: npm start).',
} as const satisfies Record<`MURMUR_${string}`, string>;

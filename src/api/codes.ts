import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/api: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const API_CODES = defineCodes({
  MURMUR_API_UNAUTHORIZED: {
    message: 'The local API request had no bearer token or a wrong one (see <data>/api-token).',
    http: 401,
  },
  MURMUR_API_NOT_FOUND: { message: 'No local API route matches this path.', http: 404 },
  MURMUR_API_METHOD_NOT_ALLOWED: {
    message: 'The local API path exists but not with this HTTP method.',
    http: 405,
  },
  MURMUR_API_BAD_REQUEST: {
    message: 'The local API request is malformed (bad JSON, bad path encoding, wrong field types).',
    http: 400,
  },
  MURMUR_API_BODY_TOO_LARGE: { message: 'The local API request body exceeds its size cap.', http: 413 },
  MURMUR_API_NOT_LOOPBACK: {
    message: 'The local API may only bind to a loopback address (127.0.0.0/8, ::1, localhost).',
    http: 400,
  },
  MURMUR_API_FORBIDDEN_HOST: {
    message: 'The request Host header is not a loopback name (DNS-rebinding protection).',
    http: 403,
  },
  MURMUR_API_INTERNAL: {
    message: 'The local API failed unexpectedly while handling a request (see the node log).',
    http: 500,
  },
  MURMUR_API_BAD_RESPONSE: {
    message: 'The local API answered something the client could not understand.',
    http: 400,
  },
  MURMUR_NODE_NOT_RUNNING: {
    message: 'No murmur node is running for this data folder (start it with: npm start).',
    http: 400,
  },
});

type ApiCodes = typeof API_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends ApiCodes {}
}

import { defineCodes } from '../../src/errors/index.ts';

/**
 * Stable error codes of the counters kind: message, local API status, strike kind (see
 * src/errors/types.ts). docs/ERRORS.md lists them (its generator finds `examples/<kind>/codes.ts` by
 * glob). Append-only.
 */
export const COUNTER_CODES = defineCodes({
  MURMUR_COUNTER_BAD_NAME: {
    message: 'A counter name is not 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" and "-".',
    http: 400,
  },
  MURMUR_COUNTER_BAD_AMOUNT: {
    message: 'An increment or decrement is not a whole number of at least 1.',
    http: 400,
  },
  MURMUR_COUNTER_LIMIT: {
    message: 'The node already keeps its most counters, or the counter already has its most node slots.',
    http: 409,
  },
  MURMUR_COUNTER_OVERFLOW: {
    message: "The change would take this node's slot of the counter past 2^64 - 1.",
    http: 409,
  },
  MURMUR_COUNTER_NOT_STARTED: { message: 'The counters service is not started.', http: 503 },
  MURMUR_COUNTER_STATE_UNDECODABLE: {
    message: 'A counters state (from a peer or the store) does not decode as its protobuf message.',
    http: 400,
    strike: 'undecodable',
  },
  MURMUR_COUNTER_STATE_INVALID: {
    message:
      'A counters state decodes but breaks its rules: a bad or repeated name or peer id, too many counters or slots.',
    http: 400,
    strike: 'invalid',
  },
});

type CounterCodes = typeof COUNTER_CODES;

declare module '../../src/errors/index.ts' {
  interface ErrorCodes extends CounterCodes {}
}

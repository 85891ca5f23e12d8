/** Largest value an interval bound may take (an unsigned 64-bit integer). */
export const MAX_U64 = (1n << 64n) - 1n;

/** Hashes offered per batch at most (Swarm's batch size; bit i of a want vector is in byte i/8). */
export const BATCH_SIZE = 128;
/** Longest time an upstream waits for a batch to fill before offering what it has (ms). */
export const BATCH_WAIT_MS = 200;
/** Hard cap of one encoded streamer message, checked before decoding. */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** Default capacity of each priority queue (Swarm used 4096). */
export const QUEUE_CAPACITY = 4096;
/** Longest serialised interval set accepted from disk (ranges). */
export const MAX_STORED_RANGES = 1 << 20;

/** Priorities, highest first: user retrieval, live syncing, historical syncing. */
export const PRIORITY = { retrieval: 0, live: 1, history: 2 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];
export const PRIORITY_COUNT = 3;

import type { AbstractLevel } from 'abstract-level';

/** Any abstract-level database (classic-level on disk, memory-level in tests); sublevels are derived. */
// biome-ignore lint/suspicious/noExplicitAny: accepts every abstract-level flavour; sublevels fix encodings
export type AnyLevel = AbstractLevel<any, any, any>;

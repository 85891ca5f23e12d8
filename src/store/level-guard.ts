import { FailStop } from './fail-stop.ts';

type Fn = (...args: never[]) => Promise<unknown>;
type Writable = Record<'_put' | '_del' | '_batch' | '_clear', Fn> & { _chainedBatch: () => ChainedLike };
type ChainedLike = { _write: (options: unknown) => Promise<unknown> };

const GUARDS = new WeakMap<object, FailStop>();

/** The root database of `db` (a sublevel's `db`; the database itself otherwise). */
function rootOf(db: object): object {
  const root = (db as { db?: object }).db;
  return root ?? db;
}

/**
 * Puts `db` (the node's root database) under `guard`: its private write methods, which every
 * sublevel's put/del/batch/clear and every chained batch end in, run through `guard.run`. Reads are
 * left alone. Idempotent: the guard already set on `db` is returned.
 */
export function guardLevel(db: object, guard: FailStop = new FailStop()): FailStop {
  const known = GUARDS.get(db);
  if (known !== undefined) return known;
  const w = db as Writable;
  for (const name of ['_put', '_del', '_batch', '_clear'] as const) {
    const original = w[name].bind(db) as Fn;
    w[name] = ((...args: never[]) => guard.run(() => original(...args), 'database')) as Fn;
  }
  const chained = w._chainedBatch.bind(db);
  w._chainedBatch = () => {
    const batch = chained();
    const write = batch._write.bind(batch);
    batch._write = (options: unknown) => guard.run(() => write(options), 'database');
    return batch;
  };
  GUARDS.set(db, guard);
  return guard;
}

/** The fail-stop guard of the store `db` (a sublevel of it, or its root) belongs to, if any. */
export function failStopOf(db: object | undefined): FailStop | undefined {
  if (db === undefined) return undefined;
  return GUARDS.get(db) ?? GUARDS.get(rootOf(db));
}

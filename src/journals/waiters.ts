import { MurmurError } from '../errors/index.ts';

interface Waiter {
  id: string | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Wake-ups for readers waiting on a journal (or any journal) to change. A reader checks its condition
 * and, in the same tick, calls wait(): no change can slip between the check and the wait.
 */
export class Waiters {
  readonly #list = new Set<Waiter>();
  readonly #listeners = new Set<(id: string, head: number) => void>();
  #closed: Error | undefined;
  /** Incremented on every change: compare before and after a sweep to know whether to wait. */
  version = 0;

  /** A journal's head or compaction point moved. */
  notify(id: string, head: number): void {
    this.version++;
    for (const w of this.#list) {
      if (w.id === undefined || w.id === id) {
        this.#list.delete(w);
        w.resolve();
      }
    }
    for (const l of this.#listeners) l(id, head);
  }

  /** Called synchronously on every change (sync manager, policies); returns an unsubscribe function. */
  listen(fn: (id: string, head: number) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Resolves at the next change of journal `id` (undefined: of any journal). */
  wait(id: string | undefined, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (signal?.aborted) {
      return Promise.reject(new MurmurError('MURMUR_ABORTED', 'operation aborted', { cause: signal.reason }));
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#list.delete(w);
        reject(new MurmurError('MURMUR_ABORTED', 'operation aborted', { cause: signal?.reason }));
      };
      const w: Waiter = {
        id,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#list.add(w);
    });
  }

  close(err: Error): void {
    this.#closed = err;
    for (const w of this.#list) w.reject(err);
    this.#list.clear();
    this.#listeners.clear();
  }
}

import { MurmurError } from '../errors/index.ts';
import type { Clock, TimerHandle } from '../peers/types.ts';
import type { FrameChannel } from '../streamer/channel.ts';

/** Frame kinds of a bus stream (the low bits of its first byte); FROM_DIALER marks the dialer's frames. */
export const OPEN = 0;
export const DATA = 1;
export const CLOSE = 2;
export const RESET = 3;
export const FROM_DIALER = 0x10;

export interface BusChannelOptions {
  sendRaw: (kind: number, frame: Uint8Array) => void;
  max: number;
  idleTimeoutMs: number;
  clock: Clock;
  onViolation: (err: MurmurError) => void;
}

function tooLarge(size: number, max: number): MurmurError {
  return new MurmurError('MURMUR_FRAME_TOO_LARGE', `message of ${size} bytes over cap ${max}`, {
    details: { size, max },
  });
}

/**
 * One end of a bus stream: frames in order (the bus keeps order with zero jitter), with the node's
 * stream guarantees: a frame cap, an idle timeout on the virtual clock, close(err) as a reset.
 */
export class BusChannel implements FrameChannel {
  #inbox: Uint8Array[] = [];
  #waiter: (() => void) | undefined;
  #closed = false;
  #remoteDone = false;
  /** Thrown by the iterator once the frames already received are read (violation, timeout, reset). */
  #failure: MurmurError | undefined;
  readonly #o: BusChannelOptions;

  constructor(options: BusChannelOptions) {
    this.#o = options;
  }

  async send(frame: Uint8Array): Promise<void> {
    if (this.#closed || this.#remoteDone || this.#failure !== undefined) {
      throw new MurmurError('MURMUR_STREAMER_CLOSED', 'channel closed');
    }
    if (frame.length > this.#o.max) {
      const err = tooLarge(frame.length, this.#o.max);
      this.close(err);
      throw err;
    }
    this.#o.sendRaw(DATA, frame);
  }

  close(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.sendRaw(err === undefined ? CLOSE : RESET, new Uint8Array(0));
    this.#wake();
  }

  push(frame: Uint8Array): void {
    if (this.#closed || this.#failure !== undefined) return;
    if (frame.length > this.#o.max) {
      const err = tooLarge(frame.length, this.#o.max);
      this.#failure = err;
      this.close(err);
      this.#o.onViolation(err);
      return;
    }
    this.#inbox.push(frame);
    this.#wake();
  }

  remoteClosed(): void {
    this.#remoteDone = true;
    this.#wake();
  }

  remoteReset(): void {
    if (this.#closed || this.#failure !== undefined) return;
    this.#failure = new MurmurError('MURMUR_STREAMER_CLOSED', 'stream reset by peer');
    this.#inbox = [];
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const next = this.#inbox.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      const failure = this.#failure;
      if (failure !== undefined) {
        this.close(failure);
        throw failure;
      }
      if (this.#closed) return;
      if (this.#remoteDone) {
        this.close(); // the remote ended its side: finish ours too
        return;
      }
      await this.#wait();
    }
  }

  /** Waits for the next wake-up, bounded by the idle timeout on the bus clock (which aborts). */
  async #wait(): Promise<void> {
    const { clock, idleTimeoutMs: ms } = this.#o;
    let timer: TimerHandle | undefined;
    await new Promise<void>((r) => {
      this.#waiter = r;
      timer = clock.setTimeout(() => {
        this.#failure ??= new MurmurError('MURMUR_TIMEOUT', `no message within ${ms} ms`);
        this.#wake();
      }, ms);
    });
    clock.clearTimeout(timer);
  }
}

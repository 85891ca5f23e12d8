import type { Connection } from '@libp2p/interface';
import type { Clock } from '../clock/index.ts';
import { FramedStream, type MessageStreamLike } from '../p2p/index.ts';
import { GOODBYE_MAX_BYTES, GOODBYE_PROTOCOL } from './constants.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ACK = encoder.encode('ok');

/**
 * The goodbye of a node that stops cleanly, on its own protocol (GOODBYE_PROTOCOL) over each open
 * link: one frame holding a short UTF-8 reason ("shutdown"), answered by one frame ("ok") once the
 * peer has acted on it, so the link is not closed before. The peer moves the node to lifesupport at
 * once (reason `goodbye`) and redials it from the first backoff step, instead of finding out from
 * broken streams or a missed pong. A peer that does not serve the protocol (an older version) simply
 * refuses the stream. See docs/PEERS.md.
 */
export async function sendGoodbye(
  connection: Connection,
  reason: string,
  timeoutMs: number,
  clock: Clock,
): Promise<void> {
  const stream = await connection.newStream(GOODBYE_PROTOCOL, { signal: clock.timeout(timeoutMs) });
  const framed = new FramedStream(stream, { maxBytes: GOODBYE_MAX_BYTES });
  try {
    await framed.write(encoder.encode(reason).subarray(0, GOODBYE_MAX_BYTES), { timeoutMs });
    await framed.readOne({ timeoutMs });
  } finally {
    framed.close({ timeoutMs }).catch(() => {});
  }
}

/**
 * Reads a goodbye on an inbound stream, hands its reason (informational) to `onGoodbye`, then answers.
 * Throws MURMUR_FRAME_TOO_LARGE / MURMUR_FRAME_MALFORMED / MURMUR_TIMEOUT / MURMUR_STREAM_CLOSED.
 */
export async function readGoodbye(
  stream: MessageStreamLike,
  timeoutMs: number,
  onGoodbye: (reason: string) => void,
): Promise<void> {
  const framed = new FramedStream(stream, { maxBytes: GOODBYE_MAX_BYTES });
  onGoodbye(decoder.decode(await framed.readOne({ timeoutMs })));
  await framed.write(ACK, { timeoutMs }).catch(() => {});
  framed.close({ timeoutMs }).catch(() => {});
}

export { type DialAddr, isShareable, parseDialAddr, withoutPeer, withPeer } from './addr.ts';
export { describeCause } from './cause.ts';
export { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_READ_TIMEOUT_MS } from './constants.ts';
export { encodeFrame, encodeVarint, FrameDecoder } from './framing.ts';
export { type Host, type HostOptions, startHost } from './host.ts';
export { type FramedOptions, FramedStream, type IoOptions, type MessageStreamLike } from './stream.ts';

import type { IncomingMessage } from 'node:http';
import { MurmurError } from '../errors/index.ts';
import { MAX_JSON_BODY_BYTES, MAX_JSON_DEPTH } from './constants.ts';

/**
 * Reads a request body fully, refusing more than `maxBytes` (checked on the declared length first,
 * then while reading, before anything is buffered past the cap).
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new MurmurError('MURMUR_API_BODY_TOO_LARGE', `request body is larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      req.resume();
      throw new MurmurError('MURMUR_API_BODY_TOO_LARGE', `request body is larger than ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

/** Parses bytes as a JSON body: MURMUR_API_BAD_REQUEST when not UTF-8 JSON. Empty → `undefined`. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MurmurError('MURMUR_API_BAD_REQUEST', 'request body is not valid UTF-8');
  }
  const depth = jsonDepth(text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    throw new MurmurError(
      'MURMUR_API_BAD_REQUEST',
      `request body nests arrays/objects deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new MurmurError(
      'MURMUR_API_BAD_REQUEST',
      `request body is not valid JSON: ${(cause as Error).message}`,
    );
  }
}

/**
 * Nesting depth of arrays and objects in JSON text (brackets inside strings ignored), scanning no
 * further than the first point past `limit`: a body nested thousands deep is refused before
 * JSON.parse builds it and before anything recursive (JSON.stringify, a fold) walks it.
 */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** Reads and parses a JSON body. A content type other than JSON is refused. */
export async function readJsonBody(req: IncomingMessage, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new MurmurError('MURMUR_API_BAD_REQUEST', `expected Content-Type application/json, got ${type}`);
  }
  return parseJsonBody(await readBody(req, maxBytes));
}

/** Checks that a parsed body is a JSON object; returns it typed as a record. */
export function expectObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new MurmurError('MURMUR_API_BAD_REQUEST', 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Reads a string field of a body object (MURMUR_API_BAD_REQUEST when absent or not a string). */
export function stringField(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string') {
    throw new MurmurError('MURMUR_API_BAD_REQUEST', `field "${name}" must be a string`);
  }
  return v;
}

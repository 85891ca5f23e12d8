import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * fsyncs a folder so that entries created, renamed or removed in it are durable (the step after an
 * atomic temp-file + rename). A file system that refuses fsync on a directory is tolerated: the rename
 * is still atomic, only its durability across a power cut is then the file system's.
 */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, constants.O_RDONLY);
  try {
    await d.sync();
  } catch {
    // some file systems refuse fsync on a directory
  } finally {
    await d.close();
  }
}

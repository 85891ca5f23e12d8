import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeChild {
  proc: ChildProcess;
  peerId: string;
  addresses: string[];
  /** Latest state per peer id reported by the child. */
  states: Map<string, string>;
}

export const NODE_PROCESS = new URL('./node-process.ts', import.meta.url).pathname;

/** Spawns test/helpers/node-process.ts with the given env (plus a command prefix, e.g. ip netns exec). */
export function spawnNode(env: Record<string, string>, prefix: string[] = []): Promise<NodeChild> {
  const argv = [...prefix, process.execPath, NODE_PROCESS];
  const proc = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchNode(proc);
}

/** Follows the JSON lines of a node-process.ts child (spawned by any means) until it is ready. */
export function watchNode(proc: ChildProcess): Promise<NodeChild> {
  const states = new Map<string, string>();
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node process did not start: ${stderr}`)), 60_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node process exited (${code}): ${stderr}`));
    });
    const rl = createInterface({ input: proc.stdout! });
    rl.on('line', (line) => {
      let msg: { ready?: boolean; peerId?: string; addresses?: string[]; peer?: string; state?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.ready === true) {
        clearTimeout(timer);
        resolve({ proc, peerId: msg.peerId!, addresses: msg.addresses!, states });
      } else if (msg.peer !== undefined && msg.state !== undefined) {
        states.set(msg.peer, msg.state);
      }
    });
  });
}

/** Kills with a signal and waits for the exit. */
export async function killNode(child: NodeChild, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = new Promise((r) => child.proc.once('exit', r));
  child.proc.kill(signal);
  await exited;
}

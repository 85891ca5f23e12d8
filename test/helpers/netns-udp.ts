/**
 * A tiny UDP tool run INSIDE a namespace by the netns tests (with the pinned node: process.execPath).
 *
 *   recv PORT MS            bind [::]:PORT, print `ready`, then when stdin ends (or after MS ms at the
 *                           latest) one JSON line {"count":n,"from":[addresses…],"bytes":[sizes…]}
 *                           and exit: the test ends stdin once its sender is done, so a slow start
 *                           of either process under load never shortens the receiving window
 *   send ADDR PORT N [SIZE | hex:HEX]
 *                           send N datagrams to ADDR (e.g. ff02::1%eth0 or fe80::2%eth0), each SIZE
 *                           bytes (default 16) or exactly the given bytes; prints {"sent":n}
 *
 * Raw datagrams matter: they let a test hand a listener what a well-behaved sender would refuse.
 */
import { createSocket } from 'node:dgram';

const [mode, ...args] = process.argv.slice(2);

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

if (mode === 'recv') {
  const port = Number(args[0]);
  const ms = Number(args[1] ?? 1000);
  // A large receive buffer: under CPU load the receiver may fall behind a burst, and the kernel would
  // drop what the default buffer cannot hold (counted as loss the test did not ask for).
  const sock = createSocket({ type: 'udp6', reuseAddr: true, recvBufferSize: 8 * 1024 * 1024 });
  const from: string[] = [];
  const bytes: number[] = [];
  sock.on('message', (msg, rinfo) => {
    from.push(rinfo.address);
    bytes.push(msg.length);
  });
  sock.on('error', (e) => fail(String(e)));
  let reported = false;
  const report = (): void => {
    if (reported) return;
    reported = true;
    console.log(JSON.stringify({ count: from.length, from: [...new Set(from)], bytes }));
    sock.close();
    process.exit(0);
  };
  // stdin's end and datagrams still queued on the socket can be ready in the same event-loop turn,
  // and libuv reads at most a few dozen datagrams per turn: reporting at once would drop what is
  // still queued. So, once stdin ends, report only after turns that read nothing (each turn polls
  // the socket; a queued datagram is always readable at once, whatever the load).
  const drainThenReport = (): void => {
    let seen = from.length;
    let idleTurns = 0;
    const check = (): void => {
      if (from.length !== seen) {
        seen = from.length;
        idleTurns = 0;
      } else idleTurns++;
      if (idleTurns >= 3) report();
      else setImmediate(check);
    };
    setImmediate(check);
  };
  sock.bind(port, '::', () => {
    console.log('ready');
    setTimeout(report, ms);
    process.stdin.on('end', drainThenReport);
    process.stdin.resume();
  });
} else if (mode === 'send') {
  const [addr, portArg, countArg, sizeArg] = args;
  if (addr === undefined || portArg === undefined) fail('usage: send ADDR PORT N [SIZE | hex:HEX]');
  const port = Number(portArg);
  const count = Number(countArg ?? 1);
  const payload = sizeArg?.startsWith('hex:')
    ? Buffer.from(sizeArg.slice(4), 'hex')
    : Buffer.alloc(Number(sizeArg ?? 16), 0x61);
  const sock = createSocket({ type: 'udp6' });
  sock.on('error', (e) => fail(String(e)));
  sock.bind(0, () => {
    const scope = addr.split('%')[1];
    if (addr.startsWith('ff') && scope !== undefined) sock.setMulticastInterface(`::%${scope}`);
    let sent = 0;
    const next = (): void => {
      if (sent === count) {
        console.log(JSON.stringify({ sent }));
        sock.close();
        return;
      }
      sock.send(payload, port, addr, (err) => {
        if (err) fail(String(err));
        sent++;
        // Pace bursts (1 ms every 25 datagrams) so a loaded receiver keeps up.
        if (sent % 25 === 0) setTimeout(next, 1);
        else setImmediate(next);
      });
    };
    next();
  });
} else {
  fail('usage: netns-udp.ts recv PORT MS | send ADDR PORT N [SIZE | hex:HEX]');
}

#!/usr/bin/env node
/**
 * A plain Node TCP sink: reads the Produce request stream and answers each request (unless acks=0)
 * with an empty Produce v7 response, doing no other work — the ceiling a Node broker on this machine
 * cannot pass, against which gregor's produce throughput is compared. Frames are skipped without being
 * copied; only each header is read. `node node-sink.js <port>`; runs until killed.
 */
import { createServer, type Socket } from 'node:net';

/**
 * How many bytes of a frame the sink needs to see, given those it has: size and request header up to
 * the client id (14), then through the transactional id's length, then through acks.
 */
function headerNeed(h: Buffer): number {
  if (h.length < 14) return 14;
  const txnAt = 14 + Math.max(0, h.readInt16BE(12));
  if (h.length < txnAt + 2) return txnAt + 2;
  return txnAt + 2 + Math.max(0, h.readInt16BE(txnAt)) + 2;
}

function answer(socket: Socket): void {
  socket.setNoDelay(true);
  let header = Buffer.alloc(0);
  let skip = 0;
  socket.on('data', (chunk: Buffer) => {
    let at = 0;
    const responses: Buffer[] = [];
    while (at < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        skip -= n;
        at += n;
        continue;
      }
      const need = headerNeed(header);
      if (header.length < need) {
        const n = Math.min(need - header.length, chunk.length - at);
        header = Buffer.concat([header, chunk.subarray(at, at + n)]);
        at += n;
        continue;
      }
      skip = 4 + header.readInt32BE(0) - header.length;
      if (header.readInt16BE(header.length - 2) !== 0) {
        const r = Buffer.alloc(16);
        r.writeInt32BE(12, 0);
        r.writeInt32BE(header.readInt32BE(8), 4);
        responses.push(r);
      }
      header = Buffer.alloc(0);
    }
    if (responses.length) socket.write(responses.length === 1 ? responses[0]! : Buffer.concat(responses));
  });
  socket.on('error', () => socket.destroy());
}

const server = createServer(answer);
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening 127.0.0.1:${typeof address === 'object' && address ? address.port : ''}\n`);
});

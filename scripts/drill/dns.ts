import { createSocket, type Socket } from 'node:dgram';

/**
 * A DNS server of one name for the drill, standing in for Docker's or Kubernetes' service
 * discovery: `name` resolves to the addresses currently set (A records, TTL 1 s), any other name
 * is NXDOMAIN. UDP on 127.0.0.1 only.
 */
export interface NameServer {
  readonly port: number;
  set(addresses: readonly string[]): void;
  /** Queries answered so far (nginx asks again every `valid` seconds). */
  queries(): number;
  close(): Promise<void>;
}

function questionEnd(msg: Buffer): { name: string; end: number } | undefined {
  const labels: string[] = [];
  let at = 12;
  while (at < msg.length) {
    const len = msg[at]!;
    if (len === 0) return { name: labels.join('.').toLowerCase(), end: at + 5 };
    if (len > 63) return undefined; // no compression in a question
    labels.push(msg.toString('latin1', at + 1, at + 1 + len));
    at += 1 + len;
  }
  return undefined;
}

export function answer(query: Buffer, name: string, addresses: readonly string[]): Buffer | undefined {
  if (query.length < 17 || query.readUInt16BE(4) !== 1) return undefined;
  const q = questionEnd(query);
  if (!q || q.end > query.length) return undefined;
  const type = query.readUInt16BE(q.end - 4);
  const known = q.name === name.toLowerCase();
  const records = known && type === 1 ? addresses : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR, authoritative, recursion desired and available; NXDOMAIN for other names.
  header.writeUInt16BE(0x8580 | (known ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const rrs = records.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // the name of the question
    rr.writeUInt16BE(1, 2); // A
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(1, 6); // TTL
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
    return rr;
  });
  return Buffer.concat([header, query.subarray(12, q.end), ...rrs]);
}

export async function startNameServer(name: string): Promise<NameServer> {
  let addresses: readonly string[] = [];
  let count = 0;
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    const reply = answer(msg, name, addresses);
    if (!reply) return;
    count++;
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    set(next) {
      addresses = [...next];
    },
    queries: () => count,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

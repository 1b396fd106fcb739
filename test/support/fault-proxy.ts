// Test support for the fault suites: a TCP proxy in front of a server that a test can take down (the port refuses
// connections), bring back on the same port, and make cut a plain-text SMTP session right after the client has sent
// a message's data — before the server's reply reaches the client, so the message is delivered but the client cannot
// know: the case where at-least-once delivery sends it twice.
import net from 'node:net';

export interface FaultProxy {
  port: number;
  /** Stops listening and cuts every open connection: connecting is refused until up(). */
  down(): Promise<void>;
  /** Listens on the same port again. */
  up(): Promise<void>;
  /** The next `n` SMTP sessions whose data the client finishes sending are cut before the reply comes back. */
  cutAfterData(n: number): void;
  /** The recipients (RCPT TO) of the sessions cut that way, in order. */
  readonly cutRecipients: string[];
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** A proxy on a free loopback port forwarding to 127.0.0.1:`targetPort`, listening at once. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  let cuts = 0;
  let accepted = 0;
  const cutRecipients: string[] = [];
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const cut = () => { client.destroy(); upstream.destroy(); };
    client.on('close', () => { sockets.delete(client); upstream.destroy(); });
    upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
    client.on('error', cut);
    upstream.on('error', cut);
    // The client's last bytes, enough to see "\r\n.\r\n" split across chunks; the session's recipients.
    let tail = '';
    let recipients: string[] = [];
    let cutting = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      const text = tail + chunk.toString('latin1');
      for (const m of text.matchAll(/^RCPT TO:<([^>]*)>/gim)) if (!recipients.includes(m[1])) recipients.push(m[1]);
      if (cuts > 0 && !cutting && text.includes('\r\n.\r\n')) {
        cuts--;
        cutting = true;
        cutRecipients.push(...recipients);
        // Let the data reach the server and be accepted, then cut both sides before the 250 can be relayed.
        upstream.once('data', () => cut());
      }
      if (text.includes('\r\n.\r\n')) recipients = [];
      tail = text.slice(-8);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!cutting) client.write(chunk);
    });
  });
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
  const port = await listen(0);
  let listening = true;
  const down = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    port,
    down,
    async up() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    cutAfterData(n) { cuts += n; },
    cutRecipients,
    get accepted() { return accepted; },
    close: down,
  };
}

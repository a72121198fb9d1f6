import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { pipeline } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';

// A WebSocket-to-TCP relay standing in for Neon's proxy, so @neondatabase/serverless can reach a plain
// Postgres: the driver opens ws://127.0.0.1:PORT/v2?address=HOST:PORT and speaks the Postgres wire protocol
// in binary frames. Streams carry backpressure both ways. Only the allow-listed target is reachable.

export interface NeonRelay {
  /** Value for NEON_WS_PROXY: host:port/path (the driver appends ?address=…). */
  proxy: string;
  connections(): number;
  close(): Promise<void>;
}

export async function startNeonRelay(target: { host: string; port: number }): Promise<NeonRelay> {
  const allowed = `${target.host}:${target.port}`;
  const server: Server = createServer((_req, res) => res.writeHead(426).end('WebSocket only'));
  const wss = new WebSocketServer({ server, path: '/v2' });
  let open = 0;
  wss.on('connection', (socket, request) => {
    const address = new URL(request.url ?? '', 'http://relay').searchParams.get('address');
    if (address !== allowed) {
      socket.close(1008, 'target not allowed');
      return;
    }
    open += 1;
    const tcp = connect({ host: target.host, port: target.port });
    const ws = createWebSocketStream(socket);
    let closed = false;
    const done = () => {
      if (closed) return;
      closed = true;
      open -= 1;
      tcp.destroy();
      ws.destroy();
    };
    pipeline(ws, tcp, () => done());
    pipeline(tcp, ws, () => done());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    proxy: `127.0.0.1:${port}/v2`,
    connections: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

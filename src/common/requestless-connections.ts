import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * At shutdown, ends the connections that carry no request: idle keep-alive ones, and ones opened
 * without ever sending a request (the SDK 2.x `McpSubscription.close()` leaves one; Node's
 * `server.close()` would wait for it until its headers timeout). A connection still answering a
 * request is ended as soon as that answer is sent, so calls in flight finish first.
 */
export function endRequestlessConnectionsOnClose(fastify: FastifyInstance): void {
  const server: Server = fastify.server;
  const requests = new Map<Socket, number>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    if (closing) return void socket.destroy();
    requests.set(socket, 0);
    socket.once('close', () => requests.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    requests.set(socket, (requests.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (requests.get(socket) ?? 1) - 1;
      requests.set(socket, left);
      if (closing && left === 0) socket.destroy();
    });
  });
  fastify.addHook('preClose', (done) => {
    closing = true;
    for (const [socket, inFlight] of requests) if (inFlight === 0) socket.destroy();
    done();
  });
}

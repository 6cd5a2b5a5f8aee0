/**
 * Baseline of bench/gateway.ts: a bare `ws` server that completes the same OCPP-J exchanges
 * with canned answers — no validation, no authentication, no storage.
 */
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT);
const server = new WebSocketServer({ port, host: '127.0.0.1', handleProtocols: () => 'ocpp1.6' });
const now = () => new Date().toISOString();
const answers: Record<string, () => object> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 600 }),
  Heartbeat: () => ({ currentTime: now() }),
  StatusNotification: () => ({}),
  MeterValues: () => ({}),
};
server.on('connection', (socket) => {
  socket.on('message', (data) => {
    const frame = JSON.parse((data as Buffer).toString()) as [number, string, string, object];
    if (frame[0] !== 2) return;
    socket.send(JSON.stringify([3, frame[1], answers[frame[2]]?.() ?? {}]));
  });
});
server.on('listening', () => process.stdout.write('ready\n'));

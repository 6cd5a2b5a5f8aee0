/**
 * The receiver of bench/webhook-poster.ts, in its own process: answers every POST with 200 and a
 * short body once the request is read, as a webhook receiver that acknowledges at once would.
 */
import http from 'node:http';

const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));

/**
 * Baseline of bench/api.ts: a bare Fastify server (no logger, hooks, authentication or
 * database) that answers GET on each path of BENCH_ROUTES_FILE (a JSON object of path → body)
 * with that body, as JSON.
 */
import fs from 'node:fs';
import Fastify from 'fastify';

const routes = JSON.parse(fs.readFileSync(process.env.BENCH_ROUTES_FILE ?? '', 'utf8')) as Record<
  string,
  unknown
>;
const app = Fastify({ logger: false });
for (const [url, body] of Object.entries(routes)) app.get(url, async () => body);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');

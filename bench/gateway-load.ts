/**
 * Load generator of bench/gateway.ts and bench/ingest-ceiling.ts: N OCPP 1.6J stations in one
 * process, connecting to a server, then either sending heartbeats and meter values at a time
 * speed-up (`periodic`), or MeterValues of `readings` readings each, every station its next as
 * soon as the last is answered (`ceiling`). Prints JSON lines.
 */
import fs from 'node:fs';
import ocppRpc from 'ocpp-rpc';

const { RPCClient } = ocppRpc;

interface Options {
  url: string;
  stations: { uid: string; password: string }[];
  speed: number;
  seconds: number;
  connectConcurrency: number;
  mode?: 'periodic' | 'ceiling';
  /** Readings per MeterValues in `ceiling` mode. */
  readings?: number;
}

const options = JSON.parse(fs.readFileSync(process.env.BENCH_LOAD_FILE ?? '', 'utf8')) as Options;
const print = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);

let acknowledged = 0;
let failed = 0;
const clients: InstanceType<typeof RPCClient>[] = [];

async function connect(station: { uid: string; password: string }, meter: { wh: number }) {
  const client = new RPCClient({
    endpoint: `${options.url}/ocpp`,
    identity: station.uid,
    password: station.password,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
    pingIntervalMs: 600_000,
  } as ConstructorParameters<typeof RPCClient>[0]);
  // Answer the platform's CALLs as a Witty station would.
  client.handle('GetConfiguration', async () => ({
    configurationKey: [{ key: 'WittyChargeMode', readonly: false, value: 'immediate' }],
    unknownKey: [],
  }));
  client.handle('ChangeConfiguration', async () => ({ status: 'Accepted' }));
  await client.connect();
  await client.call('BootNotification', {
    chargePointVendor: 'Hager',
    chargePointModel: 'XEV1R22',
  });
  await client.call('StatusNotification', {
    connectorId: 1,
    status: 'Available',
    errorCode: 'NoError',
  });
  clients.push(client);
  meter.wh = Math.floor(Math.random() * 1_000_000);
  return client;
}

async function main() {
  const started = performance.now();
  const meters = options.stations.map(() => ({ wh: 0 }));
  let next = 0;
  await Promise.all(
    Array.from({ length: options.connectConcurrency }, async () => {
      while (next < options.stations.length) {
        const index = next++;
        try {
          await connect(options.stations[index]!, meters[index]!);
        } catch {
          failed++;
        }
      }
    }),
  );
  print({
    event: 'connected',
    stations: clients.length,
    failed,
    seconds: (performance.now() - started) / 1000,
  });

  if (options.mode === 'ceiling') return ceiling(meters);

  // Heartbeat and meter values every 10 simulated minutes each, spread evenly over the period.
  // A station whose last exchange is still unanswered skips its turn, as a charger with its one
  // outstanding CALL would (OCPP-J 1.6 §4.1.1): a slow server is not handed a growing backlog, and
  // every answered CALL counts, so the figure is the rate the server answered.
  const periodMs = (600 * 1000) / options.speed;
  const deadline = Date.now() + options.seconds * 1000;
  const loopStart = Date.now();
  acknowledged = 0;
  let skipped = 0;
  const timers = clients.map((client, index) => {
    const meter = meters[index]!;
    let busy = false;
    const tick = async () => {
      if (Date.now() > deadline) return;
      if (busy) {
        skipped++;
        return;
      }
      busy = true;
      try {
        await client.call('Heartbeat', {});
        if (Date.now() <= deadline) acknowledged++;
        meter.wh += 1200;
        await client.call('MeterValues', {
          connectorId: 1,
          meterValue: [
            {
              timestamp: new Date().toISOString(),
              sampledValue: [
                { value: String(meter.wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
                { value: '7200', measurand: 'Power.Active.Import', unit: 'W' },
              ],
            },
          ],
        });
        if (Date.now() <= deadline) acknowledged++;
      } catch {
        failed++;
      } finally {
        busy = false;
      }
    };
    const offset = (index / clients.length) * periodMs;
    const first = setTimeout(() => {
      void tick();
      const interval = setInterval(() => void tick(), periodMs);
      timers.push(interval);
    }, offset);
    return first;
  });
  const reporter = setInterval(
    () =>
      print({
        event: 'progress',
        acknowledged,
        failed,
        skipped,
        elapsed: (Date.now() - loopStart) / 1000,
      }),
    1000,
  );
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000 + 200));
  clearInterval(reporter);
  for (const timer of timers) clearTimeout(timer);
  print({
    event: 'done',
    acknowledged,
    failed,
    skipped,
    seconds: options.seconds,
    messagesPerSecond: acknowledged / options.seconds,
  });
  await Promise.allSettled(clients.map((client) => client.close({ force: true })));
  process.exit(0);
}

/**
 * Every station sends MeterValues as soon as its last is answered, each with `readings`
 * readings ten simulated seconds apart (energy and power, as a charging Witty station sends).
 */
async function ceiling(meters: { wh: number }[]) {
  const readings = options.readings ?? 1;
  const deadline = Date.now() + options.seconds * 1000;
  // Readings from 30 days ago on, so that each is newer than the last and none is in the future.
  const clocks = meters.map(() => Date.now() - 30 * 86_400_000);
  let messages = 0;
  let answeredReadings = 0;
  const reporter = setInterval(
    () => print({ event: 'progress', acknowledged: messages, failed }),
    1000,
  );
  await Promise.all(
    clients.map(async (client, index) => {
      const meter = meters[index]!;
      while (Date.now() < deadline) {
        const meterValue = Array.from({ length: readings }, () => {
          clocks[index]! += 10_000;
          meter.wh += 20;
          return {
            timestamp: new Date(clocks[index]!).toISOString(),
            sampledValue: [
              { value: String(meter.wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
              { value: '7200', measurand: 'Power.Active.Import', unit: 'W' },
            ],
          };
        });
        try {
          await client.call('MeterValues', { connectorId: 1, meterValue });
          // Every answered message counts, the last ones after the deadline included: the
          // bench compares them with what the database holds.
          messages++;
          answeredReadings += readings;
        } catch {
          failed++;
        }
      }
    }),
  );
  clearInterval(reporter);
  print({
    event: 'done',
    acknowledged: messages,
    readings: answeredReadings,
    failed,
    skipped: 0,
    seconds: options.seconds,
    messagesPerSecond: messages / options.seconds,
  });
  await Promise.allSettled(clients.map((client) => client.close({ force: true })));
  process.exit(0);
}

void main();

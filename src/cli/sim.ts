import fs from 'node:fs';
import {
  chargeModeOf,
  portOf,
  required,
  speedOf,
  stationKindOf,
  subscriptionOf,
  UsageError,
  type Options,
} from './options.js';

/**
 * `witty sim`: virtual stations (Witty, or generic OCPP 1.6J chargers with `--generic`), Linky
 * meters and cars against any OCPP 1.6J platform.
 */
export async function sim(options: Options): Promise<number> {
  const url = required(options, 'url');
  if (!/^wss?:\/\//.test(url)) throw new UsageError('--url must be ws://HOST:PORT or wss://…');
  const speed = speedOf(options, 60);
  const subscription = subscriptionOf(options);
  const { kind, smartCharging } = stationKindOf(options);
  const chargeMode = chargeModeOf(options);
  const start = options.start === undefined ? new Date() : new Date(String(options.start));
  if (Number.isNaN(start.getTime())) throw new UsageError('--start must be an ISO 8601 date');
  const credentials: { uid: string; password: string }[] = [];
  for (const entry of (options.station as string[] | undefined) ?? []) {
    const index = entry.indexOf(':');
    if (index < 1) throw new UsageError(`--station ${entry} must be UID:PASSWORD`);
    credentials.push({ uid: entry.slice(0, index), password: entry.slice(index + 1) });
  }
  if (typeof options.devices === 'string') {
    const lines = fs.readFileSync(options.devices, 'utf8').split(/\r?\n/).filter(Boolean);
    for (const line of lines) {
      const [uid, password] = line.split(',');
      if (uid === 'uid') continue; // header
      if (!uid || !password)
        throw new UsageError(`${options.devices}: each line must be uid,password`);
      credentials.push({ uid, password });
    }
  }
  if (credentials.length === 0)
    throw new UsageError('give at least one --station UID:PASSWORD or --devices FILE.csv');
  const controlPort = portOf(options['control-port'], 8081);

  const { SimClock, Simulation, controlServer, VirtualStation, VirtualLinky, VirtualCar } =
    await import('../sim/index.js');
  const simulation = new Simulation(new SimClock(start, speed));
  const mode = subscription === 'STANDARD' ? 'standard' : 'historic';
  for (const { uid, password } of credentials) {
    const linkyOptions = { subscription, mode, intensitySubscribedA: 30 } as const;
    simulation.add(
      new VirtualStation({
        url,
        uid,
        password,
        clock: simulation.clock,
        linky: new VirtualLinky(linkyOptions),
        linkyOptions,
        ...(kind === 'witty' ? { chargeMode } : { kind, smartCharging }),
        ...(credentials.length <= 20
          ? { log: (message: string) => process.stdout.write(`${message}\n`) }
          : {}),
      }),
    );
  }
  await simulation.start();
  if (options.plug) for (const station of simulation.list()) station.plug(new VirtualCar(), 'm3');
  const control = await controlServer(simulation);
  await control.listen({ port: controlPort, host: '127.0.0.1' });
  const what =
    kind === 'witty'
      ? 'station(s)'
      : `generic charger(s) ${smartCharging ? 'with' : 'without'} SmartCharging`;
  process.stdout.write(
    `Simulating ${credentials.length} ${what} at ×${speed}; control API http://127.0.0.1:${controlPort}/stations\n`,
  );
  return new Promise((resolve) => {
    const stop = () => {
      void simulation
        .stop()
        .then(() => control.close())
        .then(() => resolve(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

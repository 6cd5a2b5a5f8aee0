import Fastify, { type FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { registerProblemHandlers } from '../http/problem.js';
import { schemaController } from '../http/validation.js';
import { VirtualCar } from './car.js';
import type { SimClock } from './clock.js';
import type { VirtualStation } from './station.js';

/** Virtual stations sharing one simulated clock, advanced together. */
export class Simulation {
  private readonly stations = new Map<string, VirtualStation>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly clock: SimClock) {}

  add(station: VirtualStation): void {
    this.stations.set(station.uid, station);
  }

  get(uid: string): VirtualStation {
    const station = this.stations.get(uid);
    if (!station) throw new ApiError('NOT_FOUND', `No simulated station ${uid}.`);
    return station;
  }

  list(): VirtualStation[] {
    return [...this.stations.values()];
  }

  /** Connects every station and advances them every `tickMs` of real time. */
  async start(tickMs = 250): Promise<void> {
    await Promise.all(this.list().map((station) => station.start()));
    this.timer = setInterval(() => {
      for (const station of this.stations.values()) void station.tick();
    }, tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled(this.list().map((station) => station.stop()));
  }
}

/** A Witty station of the simulation: a generic charger has no key switch, no DataTransfer. */
function wittyStation(simulation: Simulation, uid: string, what: string): VirtualStation {
  const station = simulation.get(uid);
  if (station.kind !== 'witty') {
    throw new ApiError('VALIDATION_FAILED', `${uid} is a generic OCPP charger: it has no ${what}.`);
  }
  return station;
}

/**
 * The simulation's control API (JSON over HTTP): list the stations (with, for a generic charger,
 * its charging profiles and the limit in force), plug or unplug a car, raise or clear an error,
 * turn the key, fire a cybersecurity event, change the house load.
 */
export async function controlServer(simulation: Simulation): Promise<FastifyInstance> {
  // The platform's validation: unknown properties are errors, bodies are not coerced.
  const app = Fastify({ logger: false, schemaController });
  registerProblemHandlers(app);
  const uidParams = {
    type: 'object',
    properties: { uid: { type: 'string' } },
    required: ['uid'],
  } as const;
  type Params = { Params: { uid: string } };

  app.get('/stations', async () => ({
    simulatedTime: simulation.clock.now().toISOString(),
    speed: simulation.clock.speed,
    stations: simulation.list().map((s) => s.state()),
  }));
  app.get<Params>('/stations/:uid', { schema: { params: uidParams } }, async (request) =>
    simulation.get(request.params.uid).state(),
  );

  app.post<
    Params & { Body: { socket?: 'm3' | 'm2'; batteryKwh?: number; stateOfCharge?: number } }
  >(
    '/stations/:uid/plug',
    {
      schema: {
        params: uidParams,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            socket: { enum: ['m3', 'm2'] },
            batteryKwh: { type: 'number', exclusiveMinimum: 0, maximum: 200 },
            stateOfCharge: { type: 'number', minimum: 0, maximum: 1 },
          },
        },
      },
    },
    async (request) => {
      const station = simulation.get(request.params.uid);
      const body = request.body ?? {};
      station.plug(
        new VirtualCar({
          ...(body.batteryKwh !== undefined ? { batteryKwh: body.batteryKwh } : {}),
          ...(body.stateOfCharge !== undefined ? { stateOfCharge: body.stateOfCharge } : {}),
        }),
        body.socket ?? 'm3',
      );
      return station.state();
    },
  );
  app.post<Params>('/stations/:uid/unplug', { schema: { params: uidParams } }, async (request) => {
    const station = simulation.get(request.params.uid);
    station.unplug();
    return station.state();
  });
  app.post<Params & { Body: { code: number } }>(
    '/stations/:uid/error',
    {
      schema: {
        params: uidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['code'],
          properties: { code: { enum: [0, 1, 2, 3, 4, 5, 6, 9, 130, 133] } },
        },
      },
    },
    async (request) => {
      const station = simulation.get(request.params.uid);
      if (request.body.code === 0) station.clearError();
      else station.raiseError(request.body.code);
      return station.state();
    },
  );
  app.post<Params & { Body: { locked: boolean } }>(
    '/stations/:uid/key',
    {
      schema: {
        params: uidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['locked'],
          properties: { locked: { type: 'boolean' } },
        },
      },
    },
    async (request) => {
      const station = wittyStation(simulation, request.params.uid, 'key switch');
      station.turnKey(request.body.locked);
      return station.state();
    },
  );
  app.post<Params & { Body: { event: number; message?: string } }>(
    '/stations/:uid/cybersecurity',
    {
      schema: {
        params: uidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['event'],
          properties: {
            event: { type: 'integer', minimum: 0, maximum: 4 },
            message: { type: 'string', maxLength: 100 },
          },
        },
      },
    },
    async (request) => {
      const station = wittyStation(simulation, request.params.uid, 'cybersecurity events');
      station.cyberSecurityEvent(request.body.event, request.body.message);
      return station.state();
    },
  );
  app.post<Params & { Body: { apparentPowerVa: number } }>(
    '/stations/:uid/house-load',
    {
      schema: {
        params: uidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['apparentPowerVa'],
          properties: { apparentPowerVa: { type: 'number', minimum: 0, maximum: 36_000 } },
        },
      },
    },
    async (request) => {
      const station = simulation.get(request.params.uid);
      station.setHouseLoad(request.body.apparentPowerVa);
      return station.state();
    },
  );
  return app;
}

import {
  SimClock,
  Simulation,
  VirtualCar,
  VirtualLinky,
  VirtualStation,
  type LinkyOptions,
} from '../sim/index.js';
import type { Sandbox, SandboxService } from './service.js';

// An HCHP Linky whose off-peak hours never begin: a deferred station would start charging on its
// own when they did, and the try-it's start would then be refused (a session already runs).
const LINKY: LinkyOptions = {
  subscription: 'HCHP',
  mode: 'historic',
  intensitySubscribedA: 45,
  hcWindows: [],
};

/**
 * Runs the sandboxes' virtual stations in real time against this platform's OCPP endpoint, each
 * with a car plugged in, and starts the station of every sandbox made while it runs.
 */
export class SandboxStations {
  private readonly simulation = new Simulation(new SimClock(new Date(), 1));
  private stopListening: (() => void) | undefined;
  private readonly starting = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      sandboxes: SandboxService;
      /** A new secret for the device (the station signs in with it). */
      resetSecret(uid: string): Promise<string>;
      /** The platform's OCPP endpoint, e.g. ws://127.0.0.1:8080. */
      url: string;
      log: (error: unknown, uid: string) => void;
    },
  ) {}

  private async startOne(sandbox: Sandbox): Promise<void> {
    const password = await this.deps.resetSecret(sandbox.stationUid);
    const station = new VirtualStation({
      url: this.deps.url,
      uid: sandbox.stationUid,
      password,
      clock: this.simulation.clock,
      linky: new VirtualLinky(LINKY),
      linkyOptions: LINKY,
      // Deferred with a car plugged in: start and stop answer at once from the try-it.
      chargeMode: 'deferred',
    });
    this.simulation.add(station);
    await station.start();
    station.plug(new VirtualCar({ stateOfCharge: 0.3 }), 'm3');
  }

  private track(sandbox: Sandbox): void {
    const started = this.startOne(sandbox)
      .catch((error: unknown) => this.deps.log(error, sandbox.stationUid))
      .finally(() => this.starting.delete(started));
    this.starting.add(started);
  }

  /** Starts the stations of the existing sandboxes, and of each new one from now on. */
  async start(): Promise<void> {
    // The clock ticks first; each station joins it as it connects.
    await this.simulation.start();
    this.stopListening = this.deps.sandboxes.onCreated((sandbox) => this.track(sandbox));
    for (const sandbox of await this.deps.sandboxes.list()) this.track(sandbox);
    await Promise.all([...this.starting]);
  }

  async stop(): Promise<void> {
    this.stopListening?.();
    await Promise.allSettled([...this.starting]);
    await this.simulation.stop();
  }

  /** The uids of the stations running. */
  running(): string[] {
    return this.simulation.list().map((station) => station.uid);
  }
}

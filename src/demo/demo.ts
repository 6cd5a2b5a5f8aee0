import type { FastifyInstance } from 'fastify';
import type { Platform } from '../app.js';
import type { Config } from '../config.js';
import type { Subscription } from '../domain/tariffs.js';
import { issueOperatorAccessToken, type Caller } from '../identity/index.js';
import { backfill, historyState } from './backfill.js';
import {
  VirtualCar,
  SimClock,
  VirtualLinky,
  type LinkyOptions,
  Simulation,
  VirtualStation,
} from '../sim/index.js';
import type { ChargeMode } from '../domain/charge-mode.js';

export const DEMO_OWNER = { email: 'owner@demo.witty-home.test', password: 'witty-demo-owner' };

/** The demo's administrator, who approves the subscriptions of partners who sign up. */
export const DEMO_ADMIN = { email: 'admin@demo.witty-home.test', password: 'witty-demo-admin' };
const DEMO_PARTNER = 'partner@demo.witty-home.test';

interface DemoHome {
  name: string;
  locationName: string;
  latitude: number;
  longitude: number;
  uid: string;
  serial: string;
  subscription: Subscription;
  mode: 'historic' | 'standard';
  chargeMode: ChargeMode;
}

const HOMES: DemoHome[] = [
  {
    name: 'Maison HC/HP',
    locationName: 'Bordeaux',
    latitude: 44.84,
    longitude: -0.58,
    uid: 'DemoHchpStation0000001',
    serial: 'DEMO-HCHP-1',
    subscription: 'HCHP',
    mode: 'historic',
    chargeMode: 'immediate',
  },
  {
    name: 'Maison Tempo',
    locationName: 'Lyon',
    latitude: 45.76,
    longitude: 4.84,
    uid: 'DemoTempoStation000002',
    serial: 'DEMO-TEMPO-2',
    subscription: 'TEMPO',
    mode: 'historic',
    chargeMode: 'deferred',
  },
  {
    name: 'Maison Standard',
    locationName: 'Lille',
    latitude: 50.63,
    longitude: 3.06,
    uid: 'DemoStandardStation003',
    serial: 'DEMO-STD-3',
    subscription: 'STANDARD',
    mode: 'standard',
    chargeMode: 'immediate',
  },
];

/** The M3 register a previous run or the history left, Wh. */
function registerOf(registers: string | null | undefined): number | undefined {
  return registers ? (JSON.parse(registers) as Record<string, { wh: number }>)['1']?.wh : undefined;
}

/**
 * Sets up the demo on a running platform, idempotently: an owner, a partner with an approved
 * subscription, three homes (HCHP, TEMPO, STANDARD) with TIC consent and a station each, then
 * runs their virtual stations, Linky meters and cars live, plugged in from the start.
 *
 * A home's history (the first run only) is fed through the ingest before its station connects:
 * the platform takes a station's messages in time order, so the past cannot come in after the
 * present. The histories are filled in the background, one home after the other, the first home
 * first; each home's station goes live as soon as its own history is in, and the others' days
 * show in the charts as they are stored. `history` settles once every home is live.
 */
export async function startDemo(
  app: FastifyInstance,
  config: Config,
  options: { speed: number; historyDays: number; progress: (message: string) => void },
) {
  const platform: Platform = app.platform;
  const { identity, devices, installations, stationStore } = platform;
  // Each new account hashes its password (scrypt, off the event loop): the three at once.
  const [owner, , keys] = await Promise.all([
    identity.findAccountByEmail(DEMO_OWNER.email).then(
      (found) =>
        found ??
        identity.createAccount({
          ...DEMO_OWNER,
          role: 'owner',
          firstName: 'Demo',
          lastName: 'Owner',
        }),
    ),
    identity.findAccountByEmail(DEMO_ADMIN.email).then(
      (found) =>
        found ??
        identity.createAccount({
          ...DEMO_ADMIN,
          role: 'admin',
          firstName: 'Demo',
          lastName: 'Administrator',
        }),
    ),
    identity.issueStarterPackKeys(DEMO_PARTNER),
  ]);
  const caller: Caller = {
    account: owner,
    subscription: {
      subscriptionId: 'demo',
      productId: 'demo',
      developerAccountId: owner.accountId,
    },
  };
  const { access_token } = await issueOperatorAccessToken(
    platform.provider,
    { config, ...platform },
    owner.accountId,
  );

  const clock = new SimClock(new Date(), options.speed);
  const simulation = new Simulation(clock);
  const existing = await installations.list(caller);
  let firstStationPath = '';
  const homes: { home: DemoHome; stationId: string; password: string }[] = [];
  for (const home of HOMES) {
    const installation =
      existing.find((i) => i.name === home.name) ??
      (await installations.create(caller, {
        name: home.name,
        locationName: home.locationName,
        locationGpsCoordinates: { latitude: home.latitude, longitude: home.longitude },
      }));
    const password = (await devices.find(home.uid))
      ? await devices.resetSecret(home.uid)
      : (await devices.provision({ uid: home.uid, serialNumber: home.serial })).password;
    let station = await stationStore.findByUid(home.uid);
    if (!station) {
      const response = await app.inject({
        method: 'POST',
        url: `/v1/installations/${installation.installationId}/charging-stations`,
        headers: {
          'ocp-apim-subscription-key': keys.primaryKey,
          authorization: `Bearer ${access_token}`,
        },
        payload: { uid: home.uid, timezone: 'Romance Standard Time', country: 'fr-fr' },
      });
      if (response.statusCode !== 201) throw new Error(`demo association failed: ${response.body}`);
      station = await stationStore.findByUid(home.uid);
    }
    if (!station) throw new Error('demo station missing');
    await stationStore.update(station.id, { authorize_tic: 1 });
    firstStationPath ||= `/v1/installations/${installation.installationId}/charging-stations/${station.id}`;
    homes.push({ home, stationId: station.id, password });
  }

  /** The live devices carry on from where the history (or a previous run) left their indexes. */
  const goLive = async ({ home, stationId, password }: (typeof homes)[number]) => {
    const meter = await platform.gridStore.findByStation(stationId);
    const device = await platform.deviceStore.find(home.uid);
    const linkyOptions: LinkyOptions = {
      subscription: home.subscription,
      mode: home.mode,
      intensitySubscribedA: 45,
      ...(meter?.indexes
        ? { startIndexesWh: JSON.parse(meter.indexes) as LinkyOptions['startIndexesWh'] }
        : {}),
    };
    const virtual = new VirtualStation({
      url: `ws://127.0.0.1:${config.port}`,
      uid: home.uid,
      password,
      clock,
      linky: new VirtualLinky(linkyOptions),
      linkyOptions,
      chargeMode: home.chargeMode,
      ...(registerOf(device?.registers) !== undefined
        ? { registerWh: registerOf(device?.registers) }
        : {}),
    });
    simulation.add(virtual);
    await virtual.start();
    virtual.plug(new VirtualCar({ stateOfCharge: 0.25 }), 'm3');
  };

  // History on the first run only (resumed if a run was cut short): the platform's own ingest
  // of what the devices would have sent.
  const pending: typeof homes = [];
  for (const entry of homes) {
    const { state } = await historyState(platform, entry.home.uid);
    // A station that has been live (booted) gets no history any more: the ingest takes a
    // station's messages in time order. That includes a history stored before its progress was.
    const lived = (await platform.deviceStore.find(entry.home.uid))?.booted_at != null;
    // A history cut short is finished before its station goes live, whatever --days says now.
    if (state === 'partial' || (state === 'none' && options.historyDays > 0 && !lived))
      pending.push(entry);
  }
  await simulation.start();
  for (const entry of homes) if (!pending.includes(entry)) await goLive(entry);

  const stopping = new AbortController();
  const fill = async () => {
    if (pending.length === 0) return;
    options.progress(
      `History of ${pending.map((p) => p.home.name).join(', ')} (${options.historyDays} days), ` +
        'filled in the background (first run only); each station goes live once its history is in.',
    );
    const end = new Date();
    for (const entry of pending) {
      const started = performance.now();
      const result = await backfill(
        platform,
        {
          uid: entry.home.uid,
          days: options.historyDays,
          end,
          subscription: entry.home.subscription,
          chargeMode: entry.home.chargeMode,
        },
        { signal: stopping.signal },
      );
      if (stopping.signal.aborted) return;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      options.progress(
        `  ${entry.home.name}: history in (${result.sessions} sessions, ${result.readings} readings, ${seconds} s); its station is live`,
      );
      await goLive(entry);
    }
    options.progress('History complete: every demo station is live.');
  };
  const history = fill();
  // Seen by whoever awaits `history`; a failure must not end the process unheard meanwhile.
  history.catch(() => undefined);

  return {
    simulation,
    apiKey: keys.primaryKey,
    accessToken: access_token,
    stationPath: firstStationPath,
    /** Settles once every home's history is in and its station live. */
    history,
    /** Stops the history where it is (resumed at the next start) and the live stations. */
    async stop() {
      stopping.abort();
      await history.catch(() => undefined);
      await simulation.stop();
    },
  };
}

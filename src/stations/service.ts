import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { DeviceRow, DeviceStore } from '../devices/index.js';
import { carPlugStatusOf, isPlugged } from '../domain/station-state.js';
import { ApiError } from '../errors.js';
import type { Caller } from '../identity/index.js';
import type { InstallationAccess } from '../installations/index.js';
import { CONFIGURATION_KEY, CONNECTOR, REMOTE_ID_TAG, TARIFF_NUMBERS } from '../protocol/index.js';
import {
  changeConfiguration,
  type CommandStores,
  type StationCommandRunner,
  type PlannedCall,
} from './commands.js';
import { connectorStatuses, toChargingStation, type StationFacts } from './read-model.js';
import type {
  AssociateRequest,
  ChargingStation,
  StationCommand,
  UpdateRequest,
} from './schemas.js';
import type { StationRow, StationStore } from './store.js';
import type { TelemetryService, TelemetryTarget } from '../telemetry/index.js';
import type { StandardTariffClasses } from '../domain/tariffs.js';

/** The uid named by an association request: `uid`, or the last path segment of `qrCode`. */
export function uidOfAssociation(request: Pick<AssociateRequest, 'uid' | 'qrCode'>): string {
  let fromQrCode: string | undefined;
  if (request.qrCode !== undefined) {
    const url = URL.canParse(request.qrCode) ? new URL(request.qrCode) : undefined;
    const segment = url?.pathname.split('/').filter(Boolean).pop();
    try {
      fromQrCode = segment === undefined ? undefined : decodeURIComponent(segment);
    } catch {
      fromQrCode = undefined; // a broken %-escape
    }
    if (!fromQrCode) {
      throw new ApiError(
        'VALIDATION_FAILED',
        'qrCode must be the URL of the QR code, ending with the uid.',
        {
          errors: [
            { field: 'qrCode', message: 'must be a URL whose last path segment is the uid' },
          ],
        },
      );
    }
  }
  if (request.uid !== undefined && fromQrCode !== undefined && request.uid !== fromQrCode) {
    throw new ApiError('VALIDATION_FAILED', 'uid and qrCode name different devices.', {
      errors: [{ field: 'qrCode', message: `names ${fromQrCode}, not the uid ${request.uid}` }],
    });
  }
  const uid = request.uid ?? fromQrCode;
  if (uid === undefined) {
    throw new ApiError(
      'VALIDATION_FAILED',
      'Give the uid of the device or the qrCode URL (at least one).',
      {
        errors: [{ field: 'uid', message: 'is required when qrCode is absent' }],
      },
    );
  }
  return uid;
}

function stationNotFound(installationId: number, stationId: string): ApiError {
  return new ApiError(
    'STATION_NOT_FOUND',
    `Charging station ${stationId} is not on installation ${installationId}.`,
  );
}

/** Charging stations: association, live state and commands. */
export class StationService {
  constructor(
    private readonly deps: {
      stations: StationStore;
      devices: DeviceStore;
      access: InstallationAccess;
      commands: StationCommandRunner;
      telemetry: TelemetryService;
      clock: Clock;
    },
  ) {}

  /** What the station's model is made of; its device when the caller already read it. */
  private async facts(station: StationRow, known?: DeviceRow): Promise<StationFacts> {
    const { devices, stations } = this.deps;
    const [device, connectors, sessions] = await Promise.all([
      known ?? devices.find(station.uid),
      devices.connectors(station.uid),
      stations.sessionsOf(station.id),
    ]);
    if (!device) throw new Error(`device ${station.uid} of station ${station.id} is missing`);
    const sessionIds = [sessions.current?.id, sessions.last?.id].filter((id) => id !== undefined);
    return {
      station,
      device,
      connectors,
      costs: await this.deps.telemetry.sessionCosts(sessionIds),
      ...(sessions.current ? { current: sessions.current } : {}),
      ...(sessions.last ? { last: sessions.last } : {}),
    };
  }

  private async require(
    caller: Caller,
    installationId: number,
    stationId: string,
    need: 'read' | 'command' | 'manage',
  ): Promise<{ station: StationRow; role: 'owner' | 'installer' }> {
    const installation = await this.deps.access.require(caller, installationId, need);
    const station = await this.deps.stations.find(installationId, stationId);
    if (!station) throw stationNotFound(installationId, stationId);
    return { station, role: installation.role_code };
  }

  async list(caller: Caller, installationId: number): Promise<ChargingStation[]> {
    const installation = await this.deps.access.require(caller, installationId, 'read');
    const rows = await this.deps.stations.listForInstallation(installationId);
    const now = this.deps.clock.now();
    return Promise.all(
      rows.map(async (row) =>
        forRole(toChargingStation(await this.facts(row), now), installation.role_code),
      ),
    );
  }

  async get(caller: Caller, installationId: number, stationId: string): Promise<ChargingStation> {
    const installation = await this.deps.access.require(caller, installationId, 'read');
    const found = await this.deps.stations.findWithFullDevice(installationId, stationId);
    if (!found) throw stationNotFound(installationId, stationId);
    const facts = await this.facts(found.station, found.device);
    return forRole(toChargingStation(facts, this.deps.clock.now()), installation.role_code);
  }

  /** Associates a device of the registry with the installation (one station per installation). */
  async associate(
    caller: Caller,
    installationId: number,
    request: AssociateRequest,
  ): Promise<ChargingStation> {
    await this.deps.access.require(caller, installationId, 'manage');
    const uid = uidOfAssociation(request);
    const device = await this.deps.devices.find(uid);
    if (!device) {
      throw new ApiError(
        'DEVICE_NOT_FOUND',
        `No Witty charging station has the uid ${uid}; check the packaging.`,
      );
    }
    await this.ensureFree(uid, installationId);
    const station: StationRow = {
      id: randomUUID(),
      uid,
      installation_id: installationId,
      installation_date: this.deps.clock.now().toISOString(),
      timezone: request.timezone,
      culture: request.country,
      friendly_name: null,
      average_ev_consumption: null,
      authorize_tic: 0,
    };
    try {
      await this.deps.stations.associate(
        station,
        `${device.product_reference}-${device.serial_number}`,
        randomUUID(),
      );
    } catch (error) {
      // Two associations racing: the unique constraints decide, the loser gets the same 409.
      await this.ensureFree(uid, installationId);
      throw error;
    }
    return toChargingStation(await this.facts(station), this.deps.clock.now());
  }

  /** 409 when the device is associated already, or the installation has its station. */
  private async ensureFree(uid: string, installationId: number): Promise<void> {
    if (await this.deps.stations.findByUid(uid)) {
      throw new ApiError(
        'DEVICE_ALREADY_ASSOCIATED',
        `The charging station ${uid} is already associated with an installation.`,
      );
    }
    if ((await this.deps.stations.listForInstallation(installationId)).length > 0) {
      throw new ApiError(
        'INSTALLATION_HAS_STATION',
        `Installation ${installationId} already has its charging station.`,
      );
    }
  }

  async dissociate(caller: Caller, installationId: number, stationId: string): Promise<void> {
    const { station } = await this.require(caller, installationId, stationId, 'manage');
    await this.deps.stations.dissociate(station);
  }

  /** Checks the guide's preconditions of a command on the station's live state. */
  private async preconditions(
    station: StationRow,
    needs: { unplugged?: boolean; plugged?: boolean; notImmediate?: boolean },
  ) {
    const [device, connectors] = await Promise.all([
      this.deps.devices.find(station.uid),
      this.deps.devices.connectors(station.uid),
    ]);
    if (!device || device.connected !== 1) {
      throw new ApiError(
        'STATION_OFFLINE',
        'The charging station is not connected; the command cannot be sent.',
      );
    }
    const statuses = connectorStatuses(connectors);
    const plugStatus = carPlugStatusOf(statuses);
    if (needs.unplugged && plugStatus !== null) {
      throw new ApiError(
        'CAR_PLUGGED',
        'Every socket must be unplugged for this change; unplug the car first.',
      );
    }
    if (needs.plugged && plugStatus === null) {
      throw new ApiError('CAR_NOT_PLUGGED', 'No car is plugged into the charging station.');
    }
    if (needs.notImmediate && (device.charge_mode ?? 'immediate') === 'immediate') {
      throw new ApiError(
        'CHARGE_MODE_IMMEDIATE',
        'In immediate mode the station starts and stops charging by itself; set a deferred mode first.',
      );
    }
    return { device, statuses };
  }

  async setChargeMode(
    caller: Caller,
    installationId: number,
    stationId: string,
    chargeMode: string,
  ): Promise<StationCommand> {
    const { station } = await this.require(caller, installationId, stationId, 'command');
    await this.preconditions(station, { unplugged: true });
    return this.deps.commands.run(station, caller, 'setChargeMode', { chargeMode }, [
      changeConfiguration(CONFIGURATION_KEY.chargeMode, chargeMode),
    ]);
  }

  /** PUT: cloud-side fields apply at once; device settings go to the station as a command. */
  async update(
    caller: Caller,
    installationId: number,
    stationId: string,
    request: UpdateRequest,
  ): Promise<StationCommand> {
    const { station } = await this.require(caller, installationId, stationId, 'command');
    const calls: PlannedCall[] = [];
    if (request.ledPower !== undefined)
      calls.push(changeConfiguration(CONFIGURATION_KEY.ledPower, String(request.ledPower)));
    for (const n of TARIFF_NUMBERS) {
      const value = request[`tariff${n}`];
      if (value !== undefined) calls.push(changeConfiguration(CONFIGURATION_KEY.tariff(n), value));
    }
    if (calls.length > 0) await this.preconditions(station, { unplugged: true });
    const cloud: Partial<Pick<StationRow, 'friendly_name' | 'average_ev_consumption'>> = {};
    if (request.friendlyName !== undefined) cloud.friendly_name = request.friendlyName;
    if (request.averageEvConsumption !== undefined)
      cloud.average_ev_consumption = request.averageEvConsumption;
    // The cloud-side fields and the command commit together; the calls leave afterwards.
    return this.deps.commands.run(station, caller, 'update', request, calls, async (stores) => {
      if (Object.keys(cloud).length > 0) await stores.stations.update(station.id, cloud);
    });
  }

  async start(caller: Caller, installationId: number, stationId: string): Promise<StationCommand> {
    const { station } = await this.require(caller, installationId, stationId, 'command');
    const { device, statuses } = await this.preconditions(station, {
      plugged: true,
      notImmediate: true,
    });
    if ((await this.deps.stations.sessionsOf(station.id)).current) {
      throw new ApiError(
        'SESSION_ALREADY_ACTIVE',
        'A charging session is already running on this station.',
      );
    }
    const connectorId = isPlugged(statuses.get(CONNECTOR.m3)) ? CONNECTOR.m3 : CONNECTOR.m2;
    return this.deps.commands.run(
      station,
      caller,
      'start',
      {},
      [{ action: 'RemoteStartTransaction', payload: { connectorId, idTag: REMOTE_ID_TAG } }],
      manualOverride(device, station.uid, 'start'),
    );
  }

  async stop(caller: Caller, installationId: number, stationId: string): Promise<StationCommand> {
    const { station } = await this.require(caller, installationId, stationId, 'command');
    const { device } = await this.preconditions(station, { plugged: true, notImmediate: true });
    const session = (await this.deps.stations.sessionsOf(station.id)).current;
    if (!session)
      throw new ApiError('NO_ACTIVE_SESSION', 'No charging session is running on this station.');
    return this.deps.commands.run(
      station,
      caller,
      'stop',
      {},
      [{ action: 'RemoteStopTransaction', payload: { transactionId: session.id } }],
      manualOverride(device, station.uid, 'stop'),
    );
  }

  /** Measures and logs of the station: its own data, no TIC consent needed. */
  async telemetryTarget(
    caller: Caller,
    installationId: number,
    stationId: string,
  ): Promise<TelemetryTarget> {
    const { station, role } = await this.require(caller, installationId, stationId, 'read');
    const device = await this.deps.devices.find(station.uid);
    return {
      deviceId: station.id,
      zone: this.deps.telemetry.zoneOf(station),
      classes: device?.tariff_classes
        ? (JSON.parse(device.tariff_classes) as StandardTariffClasses)
        : {},
      role,
    };
  }

  async command(
    caller: Caller,
    installationId: number,
    stationId: string,
    commandId: string,
  ): Promise<StationCommand> {
    const { station } = await this.require(caller, installationId, stationId, 'command');
    const command = await this.deps.commands.find(station.id, commandId);
    if (!command)
      throw new ApiError(
        'COMMAND_NOT_FOUND',
        `Command ${commandId} does not exist on this station.`,
      );
    return command;
  }

  async commands(
    caller: Caller,
    installationId: number,
    stationId: string,
  ): Promise<StationCommand[]> {
    const { station } = await this.require(caller, installationId, stationId, 'command');
    return this.deps.commands.list(station.id);
  }
}

/**
 * On a charger the platform drives (charge-driver.ts), the owner's start or stop wins over the
 * tariff until the next switch: recorded with the command.
 */
function manualOverride(
  device: { charge_mode_by_platform: number },
  uid: string,
  override: 'start' | 'stop',
): ((stores: CommandStores) => Promise<void>) | undefined {
  if (device.charge_mode_by_platform !== 1) return undefined;
  return (stores) => stores.stations.setChargeOverride(uid, override);
}

/**
 * The guide: installers see general data only, not the costs or consumption of the station;
 * sessions carry both, so installers get none.
 */
function forRole(station: ChargingStation, role: 'owner' | 'installer'): ChargingStation {
  if (role === 'owner') return station;
  return {
    ...station,
    properties: { ...station.properties, currentSession: null, lastSession: null },
  };
}

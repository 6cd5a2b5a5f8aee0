import type { Clock } from '../clock.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { DeviceStore } from '../devices/index.js';
import { DEFAULT_CURRENCY, DEFAULT_PRICES, type Currency } from '../domain/prices.js';
import {
  SUBSCRIPTION_TARIFFS,
  isTariffId,
  type StandardTariffClasses,
  type Subscription,
  type TariffId,
} from '../domain/tariffs.js';
import { ApiError } from '../errors.js';
import { CONFIGURATION_KEY } from '../protocol/index.js';
import type { Caller } from '../identity/index.js';
import type { InstallationAccess, InstallationNeed } from '../installations/index.js';
import {
  changeConfiguration,
  type StationCommandRunner,
  type StationRow,
  type StationStore,
} from '../stations/index.js';
import type { TelemetryTarget, TelemetryService } from '../telemetry/index.js';
import type { GridMeter, SetTariffsRequest, Tariff } from './schemas.js';
import { repriceSince, type GridStores } from './ingest.js';
import type { GridMeterRow, GridStore } from './store.js';

/** Date shown as the beginning of default prices: the regulated prices in force from then. */
export const DEFAULT_PRICES_BEGIN = '2026-02-01T00:00:00.000Z';

/** The grid meter (Linky) read by the station: TIC consent, house consumption, tariffs and prices. */
export class GridService {
  constructor(
    private readonly deps: {
      grid: GridStore;
      uow: UnitOfWork<GridStores>;
      stations: StationStore;
      devices: DeviceStore;
      access: InstallationAccess;
      telemetry: TelemetryService;
      commands: StationCommandRunner;
      clock: Clock;
    },
  ) {}

  private async require(
    caller: Caller,
    installationId: number,
    gridMeterId: string,
    need: InstallationNeed,
  ) {
    const installation = await this.deps.access.require(caller, installationId, need);
    const meter = await this.deps.grid.find(installationId, gridMeterId);
    if (!meter)
      throw new ApiError(
        'GRID_METER_NOT_FOUND',
        `Grid meter ${gridMeterId} is not on installation ${installationId}.`,
      );
    const station = (await this.deps.stations.listForInstallation(installationId)).find(
      (s) => s.id === meter.station_id,
    );
    if (!station)
      throw new ApiError(
        'GRID_METER_NOT_FOUND',
        `Grid meter ${gridMeterId} is not on installation ${installationId}.`,
      );
    return { meter, station, role: installation.role_code };
  }

  /** TIC data is served only while the owner consents (the guide's Authorize-TIC). */
  private requireConsent(station: StationRow): void {
    if (station.authorize_tic !== 1) {
      throw new ApiError(
        'TIC_CONSENT_REQUIRED',
        'The owner has not authorized TIC data: call operators/authorize-tic with {"authorizeTIC": true} first.',
      );
    }
  }

  async list(caller: Caller, installationId: number): Promise<GridMeter[]> {
    const installation = await this.deps.access.require(caller, installationId, 'read');
    const stations = await this.deps.stations.listForInstallation(installationId);
    const meters = await this.deps.grid.listForInstallation(installationId);
    return meters.map((meter) => {
      const consent = stations.find((s) => s.id === meter.station_id)?.authorize_tic === 1;
      return toGridMeter(meter, consent, installation.role_code);
    });
  }

  async get(caller: Caller, installationId: number, gridMeterId: string): Promise<GridMeter> {
    const { meter, station, role } = await this.require(
      caller,
      installationId,
      gridMeterId,
      'read',
    );
    this.requireConsent(station);
    return toGridMeter(meter, true, role);
  }

  /**
   * Sets the owner's consent at once (TIC data stops being kept and served when withdrawn) and
   * passes it to the station, now if it is connected and again whenever it boots.
   */
  async authorizeTic(
    caller: Caller,
    installationId: number,
    gridMeterId: string,
    authorize: boolean,
  ) {
    const { station } = await this.require(caller, installationId, gridMeterId, 'manage');
    // The consent and the command that pushes it commit together; a station offline now gets
    // the consent after its next boot (the platform's configure command).
    await this.deps.commands.run(
      station,
      caller,
      'authorizeTic',
      { authorizeTIC: authorize },
      [changeConfiguration(CONFIGURATION_KEY.authorizeTic, String(authorize))],
      (stores) => stores.stations.update(station.id, { authorize_tic: authorize ? 1 : 0 }),
    );
    return { authorizeTIC: authorize };
  }

  /** Measures and logs of the grid meter: the owner's, with consent. */
  async telemetryTarget(
    caller: Caller,
    installationId: number,
    gridMeterId: string,
  ): Promise<TelemetryTarget> {
    const { meter, station, role } = await this.require(
      caller,
      installationId,
      gridMeterId,
      'read',
    );
    this.requireConsent(station);
    return {
      deviceId: meter.id,
      zone: this.deps.telemetry.zoneOf(station),
      classes: await this.classes(station),
      role,
      currency: await this.currencyOf(installationId),
    };
  }

  /** Currency of an installation's costs: that of the prices set last, euros until any is set. */
  async currencyOf(installationId: number): Promise<Currency> {
    const currency = await this.deps.grid.latestCurrency(installationId);
    return (currency as Currency | undefined) ?? DEFAULT_CURRENCY;
  }

  private async classes(station: StationRow): Promise<StandardTariffClasses> {
    const device = await this.deps.devices.find(station.uid);
    return device?.tariff_classes
      ? (JSON.parse(device.tariff_classes) as StandardTariffClasses)
      : {};
  }

  private async subscription(caller: Caller, installationId: number, gridMeterId: string) {
    const { meter, station } = await this.require(caller, installationId, gridMeterId, 'private');
    this.requireConsent(station);
    const subscription = meter.subscription as Subscription | null;
    if (!subscription || !(subscription in SUBSCRIPTION_TARIFFS)) {
      throw new ApiError(
        'SUBSCRIPTION_NOT_DETECTED',
        'The grid subscription is detected from TIC data, and none has been received yet.',
      );
    }
    return { station, subscription };
  }

  async tariffs(caller: Caller, installationId: number, gridMeterId: string): Promise<Tariff[]> {
    const { station, subscription } = await this.subscription(caller, installationId, gridMeterId);
    return this.tariffModels(station, SUBSCRIPTION_TARIFFS[subscription]);
  }

  async tariff(
    caller: Caller,
    installationId: number,
    gridMeterId: string,
    tariffId: string,
  ): Promise<Tariff> {
    const { station, subscription } = await this.subscription(caller, installationId, gridMeterId);
    if (!isTariffId(tariffId) || !SUBSCRIPTION_TARIFFS[subscription].includes(tariffId)) {
      throw new ApiError(
        'TARIFF_NOT_FOUND',
        `The ${subscription} subscription has no tariff ${tariffId}.`,
      );
    }
    const [tariff] = await this.tariffModels(station, [tariffId]);
    return tariff!;
  }

  /** Adds prices for every tariff of the subscription; past costs are priced again from the earliest beginDate. */
  async setTariffs(
    caller: Caller,
    installationId: number,
    gridMeterId: string,
    request: SetTariffsRequest,
  ): Promise<Tariff[]> {
    const { station, subscription } = await this.subscription(caller, installationId, gridMeterId);
    const expected = SUBSCRIPTION_TARIFFS[subscription];
    const given = request.map((entry) => entry.id);
    const missing = expected.filter((id) => !given.includes(id));
    const unexpected = given.filter((id) => !expected.includes(id));
    const repeated = given.filter((id, index) => given.indexOf(id) !== index);
    if (missing.length + unexpected.length + repeated.length > 0) {
      const errors = [
        ...missing.map((id) => ({
          field: 'body',
          in: 'body',
          message: `a price for ${id} is required by the ${subscription} subscription`,
        })),
        ...unexpected.map((id) => ({
          field: 'body',
          in: 'body',
          message: `${id} is not a tariff of the ${subscription} subscription`,
        })),
        ...repeated.map((id) => ({
          field: 'body',
          in: 'body',
          message: `${id} is given more than once`,
        })),
      ];
      throw new ApiError(
        'VALIDATION_FAILED',
        `Give one price for each tariff of the ${subscription} subscription: ${expected.join(', ')}.`,
        { errors },
      );
    }
    const currencies = [...new Set(request.map((entry) => entry.currency))];
    if (currencies.length > 1) {
      throw new ApiError('VALIDATION_FAILED', 'Give every price in one currency.', {
        errors: [
          {
            field: 'currency',
            in: 'body',
            message: `must be the same for every price (${currencies.join(', ')} given)`,
          },
        ],
      });
    }
    const undated = request.filter((entry) => Number.isNaN(Date.parse(entry.beginDate)));
    if (undated.length > 0) {
      throw new ApiError('VALIDATION_FAILED', 'beginDate must be a valid date.', {
        errors: undated.map((entry) => ({
          field: 'beginDate',
          in: 'body',
          message: `${entry.beginDate} is not a valid date`,
        })),
      });
    }
    const now = this.deps.clock.now().toISOString();
    const earliest = new Date(Math.min(...request.map((entry) => Date.parse(entry.beginDate))));
    // The new prices and the costs priced again with them commit together.
    await this.deps.uow.run(async (stores) => {
      await stores.grid.addPrices(
        request.map((entry) => ({
          installation_id: installationId,
          tariff_id: entry.id,
          currency: entry.currency,
          friendly_name: entry.friendlyName ?? null,
          begin_date: new Date(entry.beginDate).toISOString(),
          value: entry.value,
          created_at: now,
        })),
      );
      await repriceSince(stores, station, earliest);
    });
    return this.tariffModels(station, expected);
  }

  private async tariffModels(station: StationRow, ids: readonly TariffId[]): Promise<Tariff[]> {
    const rows = await this.deps.grid.prices(station.installation_id);
    return ids.map((id) => {
      const own = rows.filter((row) => row.tariff_id === id);
      // Name and currency belong to the tariff, not to one price: the ones given last stand
      // (the highest id), whatever the beginDate of the price they came with.
      // Number(): a bigserial id reads as a string on PostgreSQL.
      const givenLast = [...own].sort((a, b) => Number(b.id) - Number(a.id));
      const named = givenLast.find((row) => row.friendly_name !== null);
      return {
        id,
        installationParentId: Number(station.installation_id),
        friendlyName: named?.friendly_name ?? null,
        currency: (givenLast[0]?.currency ?? DEFAULT_CURRENCY) as Tariff['currency'],
        isDefault: own.length === 0,
        values:
          own.length === 0
            ? [{ beginDate: DEFAULT_PRICES_BEGIN, value: DEFAULT_PRICES[id] }]
            : own.map((row) => ({ beginDate: row.begin_date, value: row.value })),
      };
    });
  }
}

function toGridMeter(
  meter: GridMeterRow,
  consent: boolean,
  role: 'owner' | 'installer',
): GridMeter {
  // TIC data is the owner's, served with their consent: installers see none of it.
  const tic = consent && role === 'owner';
  const indexes =
    tic && meter.indexes ? (JSON.parse(meter.indexes) as Record<string, number>) : null;
  return {
    id: meter.id,
    installationParentId: Number(meter.installation_id),
    type: 'gridMeter',
    properties: {
      generalConsumption: indexes
        ? {
            consumptionTotalIndex:
              meter.total_index_wh ?? Object.values(indexes).reduce((a, b) => a + b, 0),
            consumptions: Object.entries(indexes).map(([name, value]) => ({
              name: name.toUpperCase(),
              value,
            })),
          }
        : null,
      ticType: tic ? meter.tic_type : null,
      intensitySubscribed: tic ? meter.intensity_subscribed : null,
      currentTariff: tic && meter.current_tariff ? meter.current_tariff.toUpperCase() : null,
      gridSubscription: tic
        ? (meter.subscription as GridMeter['properties']['gridSubscription'])
        : null,
    },
  };
}

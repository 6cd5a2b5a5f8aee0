import type { Clock } from '../clock.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { DeviceStore } from '../devices/index.js';
import { DEFAULT_CURRENCY, DEFAULT_PRICES, type Currency } from '../domain/prices.js';
import { declarationProblems, offPeakHoursOf } from '../domain/tariff-schedule.js';
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
import type {
  CalendarDays,
  DeclareSubscriptionRequest,
  GridMeter,
  GridSubscription,
  SetTariffsRequest,
  Tariff,
} from './schemas.js';
import { repriceSince, type GridStores } from './ingest.js';
import type { CalendarName, GridMeterRow, GridStore } from './store.js';
import { declarationOf, subscriptionInForce, tariffSourceOfMeter } from './tariff-source.js';

/** Longest range of a calendar read: a year and a day. */
const CALENDAR_MAX_DAYS = 366;

/** A declared subscription as the grid meter shows it (the owner's eyes only). */
interface DeclaredView {
  gridSubscription: GridMeter['properties']['gridSubscription'];
  currentTariff: string;
}

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
    const role = installation.role_code;
    return Promise.all(
      meters.map(async (meter) => {
        const station = stations.find((s) => s.id === meter.station_id);
        const declared =
          station && role === 'owner' ? await this.declaredView(meter, station) : null;
        return toGridMeter(meter, station?.authorize_tic === 1, role, declared);
      }),
    );
  }

  /** The declared subscription and its tariff now, when it is the one in force. */
  private async declaredView(
    meter: GridMeterRow,
    station: StationRow,
  ): Promise<DeclaredView | null> {
    const inForce = subscriptionInForce(meter, station);
    if (inForce?.source !== 'declared') return null;
    const now = this.deps.clock.now();
    const source = await tariffSourceOfMeter(this.deps.grid, meter, station, now, now);
    return {
      gridSubscription: inForce.subscription,
      currentTariff: source.tariffAt(now).toUpperCase(),
    };
  }

  async get(caller: Caller, installationId: number, gridMeterId: string): Promise<GridMeter> {
    const { meter, station, role } = await this.require(
      caller,
      installationId,
      gridMeterId,
      'read',
    );
    // A declared subscription is shown without consent; TIC data still needs it.
    if (!declarationOf(meter)) this.requireConsent(station);
    const declared = role === 'owner' ? await this.declaredView(meter, station) : null;
    return toGridMeter(meter, station.authorize_tic === 1, role, declared);
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

  /** The subscription whose tariffs are priced: the TIC's while in force, else the declared one. */
  private async subscription(
    caller: Caller,
    installationId: number,
    gridMeterId: string,
  ): Promise<{ station: StationRow; subscription: Subscription }> {
    const { meter, station } = await this.require(caller, installationId, gridMeterId, 'private');
    const inForce = subscriptionInForce(meter, station);
    if (!inForce) {
      this.requireConsent(station);
      throw notDetected();
    }
    return { station, subscription: inForce.subscription };
  }

  /** The subscription in force, where it comes from, and what the owner declared. */
  async gridSubscription(
    caller: Caller,
    installationId: number,
    gridMeterId: string,
  ): Promise<GridSubscription> {
    const { meter, station } = await this.require(caller, installationId, gridMeterId, 'private');
    return this.gridSubscriptionModel(meter, station);
  }

  /** Declares (or declares again) the subscription of an installation without TIC data. */
  async declareSubscription(
    caller: Caller,
    installationId: number,
    gridMeterId: string,
    request: DeclareSubscriptionRequest,
  ): Promise<GridSubscription> {
    const { meter, station } = await this.require(caller, installationId, gridMeterId, 'private');
    const declaration = {
      subscription: request.gridSubscription,
      offPeakHours: request.offPeakHours ?? [],
    };
    const problems = declarationProblems(declaration);
    if (problems.length > 0) {
      throw new ApiError('VALIDATION_FAILED', 'The declared subscription is not valid.', {
        errors: problems.map((message) => ({ field: 'offPeakHours', in: 'body', message })),
      });
    }
    const now = this.deps.clock.now().toISOString();
    const declared = {
      declared_subscription: declaration.subscription,
      off_peak_hours: JSON.stringify(declaration.offPeakHours),
      declared_at: now,
    };
    await this.deps.grid.declare(meter, declared, now);
    return this.gridSubscriptionModel({ ...meter, ...declared }, station);
  }

  /** Removes the declared subscription (nothing to remove is no error). */
  async removeDeclaration(
    caller: Caller,
    installationId: number,
    gridMeterId: string,
  ): Promise<void> {
    const { meter } = await this.require(caller, installationId, gridMeterId, 'private');
    await this.deps.grid.declare(
      meter,
      { declared_subscription: null, off_peak_hours: null, declared_at: null },
      this.deps.clock.now().toISOString(),
    );
  }

  private async gridSubscriptionModel(
    meter: GridMeterRow,
    station: StationRow,
  ): Promise<GridSubscription> {
    const inForce = subscriptionInForce(meter, station);
    if (!inForce) throw notDetected();
    const declaration = declarationOf(meter);
    const declaredSubscription =
      declaration && meter.declared_at
        ? {
            gridSubscription: declaration.subscription,
            offPeakHours: [...declaration.offPeakHours],
            declaredDate: meter.declared_at,
          }
        : null;
    if (inForce.source === 'tic') {
      return {
        gridSubscription: inForce.subscription,
        offPeakHours: null,
        source: 'tic',
        declaredSubscription,
        currentTariff: meter.current_tariff ? meter.current_tariff.toUpperCase() : null,
      };
    }
    const now = this.deps.clock.now();
    const source = await tariffSourceOfMeter(this.deps.grid, meter, station, now, now);
    return {
      gridSubscription: inForce.subscription,
      offPeakHours: [...offPeakHoursOf(inForce.declaration)],
      source: 'declared',
      declaredSubscription,
      currentTariff: source.tariffAt(now).toUpperCase(),
    };
  }

  /** The days of a published calendar from startDate to endDate (YYYY-MM-DD, both included). */
  async calendarDays(
    calendar: CalendarName,
    startDate: string,
    endDate: string,
  ): Promise<CalendarDays> {
    const days = (Date.parse(endDate) - Date.parse(startDate)) / 86_400_000;
    if (!(days >= 0 && days < CALENDAR_MAX_DAYS)) {
      throw new ApiError(
        'VALIDATION_FAILED',
        `Give an endDate from startDate to ${CALENDAR_MAX_DAYS} days after it.`,
        {
          errors: [
            {
              field: 'endDate',
              in: 'querystring',
              message: `must be from startDate to ${CALENDAR_MAX_DAYS - 1} days after it`,
            },
          ],
        },
      );
    }
    const rows = await this.deps.grid.calendarDays(calendar, startDate, endDate);
    return rows.map((row) => ({ date: row.day, value: row.value }));
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

function notDetected(): ApiError {
  return new ApiError(
    'SUBSCRIPTION_NOT_DETECTED',
    'No grid subscription is detected from TIC data (with the owner’s consent) nor declared: declare one with PUT …/subscription.',
  );
}

function toGridMeter(
  meter: GridMeterRow,
  consent: boolean,
  role: 'owner' | 'installer',
  declared: DeclaredView | null,
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
      ...(declared ?? {
        currentTariff: tic && meter.current_tariff ? meter.current_tariff.toUpperCase() : null,
        gridSubscription: tic
          ? (meter.subscription as GridMeter['properties']['gridSubscription'])
          : null,
      }),
    },
  };
}

import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  availabilityOf,
  carPlugStatusOf,
  isOffline,
  type Availability,
  type CarPlugStatus,
  type ConnectorStatus,
} from '../../src/domain/station-state.js';
import { energyKwh, formatDuration, rangeRecovered, roundCost } from '../../src/domain/sessions.js';
import { ERROR_CODES, WITTY_VENDOR_ID, guideErrorCode } from '../../src/protocol/witty-profile.js';
import {
  AssociateRequestSchema,
  ChargingStationSchema,
  SetChargeModeRequestSchema,
  UpdateRequestSchema,
} from '../../src/stations/schemas.js';
import { guideExample } from '../helpers/test-app.js';

/** Connector statuses as the station reports them: 0 = the station, 1 = M3, 2 = M2. */
interface Statuses {
  station?: ConnectorStatus;
  m3?: ConnectorStatus;
  m2?: ConnectorStatus;
}

const connectors = ({ station, m3, m2 }: Statuses) => {
  const statuses = new Map<number, ConnectorStatus>();
  if (station) statuses.set(0, station);
  if (m3) statuses.set(1, m3);
  if (m2) statuses.set(2, m2);
  return statuses;
};

describe('availabilityOf', () => {
  it.each<[string, Statuses, Availability]>([
    ['nothing reported yet', {}, 'available'],
    [
      'station, M3 and M2 Available',
      { station: 'Available', m3: 'Available', m2: 'Available' },
      'available',
    ],
    ['M3 Reserved (no car yet)', { m3: 'Reserved', m2: 'Available' }, 'available'],
    ['M3 Preparing (car plugged)', { m3: 'Preparing', m2: 'Available' }, 'occupied'],
    ['M3 SuspendedEV (car full or paused)', { m3: 'SuspendedEV' }, 'occupied'],
    ['M3 SuspendedEVSE (waiting for a low tariff)', { m3: 'SuspendedEVSE' }, 'occupied'],
    ['M3 Finishing (still plugged)', { m3: 'Finishing' }, 'occupied'],
    ['M2 Preparing, M3 Available', { m3: 'Available', m2: 'Preparing' }, 'occupied'],
    ['M3 Charging', { station: 'Available', m3: 'Charging', m2: 'Available' }, 'charging'],
    ['M3 Charging, M2 Preparing', { m3: 'Charging', m2: 'Preparing' }, 'charging'],
    ['M2 Charging', { m3: 'Available', m2: 'Charging' }, 'charging'],
    ['M3 Faulted', { m3: 'Faulted', m2: 'Available' }, 'inTrouble'],
    ['M2 Faulted while M3 charges (a fault wins)', { m3: 'Charging', m2: 'Faulted' }, 'inTrouble'],
    [
      'station (connector 0) Faulted',
      { station: 'Faulted', m3: 'Available', m2: 'Available' },
      'inTrouble',
    ],
    ['station Faulted while M3 charges', { station: 'Faulted', m3: 'Charging' }, 'inTrouble'],
  ])('%s → %s', (_case, statuses, availability) => {
    expect(availabilityOf(connectors(statuses))).toBe(availability);
  });
});

describe('carPlugStatusOf', () => {
  it.each<[string, Statuses, CarPlugStatus | null]>([
    ['nothing reported yet', {}, null],
    ['both sockets Available', { station: 'Available', m3: 'Available', m2: 'Available' }, null],
    ['M3 Preparing', { m3: 'Preparing', m2: 'Available' }, 'm3'],
    ['M3 Charging', { m3: 'Charging' }, 'm3'],
    ['M3 SuspendedEV', { m3: 'SuspendedEV' }, 'm3'],
    ['M3 SuspendedEVSE', { m3: 'SuspendedEVSE' }, 'm3'],
    ['M3 Finishing', { m3: 'Finishing' }, 'm3'],
    ['M2 Preparing', { m3: 'Available', m2: 'Preparing' }, 'm2'],
    ['M2 Charging', { m2: 'Charging' }, 'm2'],
    ['M3 Charging and M2 SuspendedEV', { m3: 'Charging', m2: 'SuspendedEV' }, 'm2m3'],
    ['M3 Finishing and M2 Preparing', { m3: 'Finishing', m2: 'Preparing' }, 'm2m3'],
    ['M3 Faulted (no car known)', { m3: 'Faulted', m2: 'Available' }, null],
    ['M3 Reserved', { m3: 'Reserved' }, null],
    ['station Faulted, M3 Charging', { station: 'Faulted', m3: 'Charging' }, 'm3'],
  ])('%s → %s', (_case, statuses, plugStatus) => {
    expect(carPlugStatusOf(connectors(statuses))).toBe(plugStatus);
  });
});

describe('isOffline (heartbeat every 600 s: offline after more than 2 × 600 s of silence)', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const secondsAgo = (seconds: number) => new Date(now.getTime() - seconds * 1000);

  it.each([
    ['a message just now', secondsAgo(0), false],
    ['1199 s of silence', secondsAgo(1199), false],
    ['1200 s of silence', secondsAgo(1200), false],
    ['1201 s of silence', secondsAgo(1201), true],
    ['a day of silence', secondsAgo(86_400), true],
    ['no message ever', null, true],
  ])('%s → offline %s', (_case, lastSeenAt, offline) => {
    expect(isOffline(lastSeenAt, 600, now)).toBe(offline);
  });
});

describe('formatDuration (HH:MM, hours not capped at 24)', () => {
  const minutes = (m: number) => m * 60_000;
  it.each([
    ['nothing', 0, '00:00'],
    ['59 s', 59_000, '00:00'],
    ['1 min', minutes(1), '00:01'],
    ['61 min', minutes(61), '01:01'],
    ['27 h 5 min', minutes(27 * 60 + 5), '27:05'],
    ['27 h 5 min 59 s (seconds dropped)', minutes(27 * 60 + 5) + 59_000, '27:05'],
    ['100 h', minutes(100 * 60), '100:00'],
    ['negative (clock skew)', -minutes(5), '00:00'],
  ])('%s → %s', (_case, milliseconds, text) => {
    expect(formatDuration(milliseconds)).toBe(text);
  });
});

describe('rangeRecovered (km = energy / averageEvConsumption × 100, whole km)', () => {
  it.each([
    ["the guide's current session: 99 kWh at 14.2", 99, 14.2, 697],
    ["the guide's last session: 38 kWh at 14.2", 38, 14.2, 267],
    ['14.2 kWh at 14.2 (no float drift below 100)', 14.2, 14.2, 100],
    ['17 kWh at the default 17', 17, 17, 100],
    ['no energy', 0, 17, 0],
    ['0 consumption', 10, 0, 0],
    ['negative consumption', 10, -5, 0],
  ])('%s → %i km', (_case, energy, consumption, km) => {
    expect(rangeRecovered(energy, consumption)).toBe(km);
  });
});

describe('energyKwh (register readings in Wh → kWh, 1 Wh resolution)', () => {
  it.each([
    ['14 200 Wh drawn', 1000, 15_200, 14.2],
    ['1 Wh drawn', 5000, 5001, 0.001],
    ['nothing drawn', 5000, 5000, 0],
    ['fractional Wh rounded to the Wh', 0, 1234.5, 1.235],
    ['register below the start (meter reset): never negative', 5000, 4000, 0],
  ])('%s → %f kWh', (_case, startWh, nowWh, kWh) => {
    expect(energyKwh(startWh, nowWh)).toBe(kWh);
  });
});

describe('roundCost (to the tenth of a cent)', () => {
  it.each([
    ["the guide's 0.915", 0.9154, 0.915],
    ['rounded up', 0.9156, 0.916],
    ['14.2 kWh × 0.194 €', 14.2 * 0.194, 2.755],
    ['20 kWh × 0.194 €', 20 * 0.194, 3.88],
    ['nothing', 0, 0],
  ])('%s → %f', (_case, cost, rounded) => {
    expect(roundCost(cost)).toBe(rounded);
  });
});

describe('guideErrorCode (StatusNotification → error.code)', () => {
  it.each([
    ['Witty LoadSheddingFailure', 'OtherError', '5', 5],
    ['Witty M3FatalErrorWeldedContact1', 'OtherError', '130', 130],
    ['Witty FatalErrorDcSensor6mA', 'InternalError', '133', 133],
    ['Witty SixmADetection', 'OtherError', '9', 9],
    ['Witty NoError', 'NoError', '0', 0],
    ['Offline (400) is never taken from a station', 'OtherError', '400', ERROR_CODES.M3CpFailure],
    ['an unknown vendor code falls back to the OCPP code', 'GroundFailure', '77', 9],
    ['a vendor code that is not a number falls back', 'HighTemperature', 'E5', 4],
    ['no vendor code: the OCPP code', 'OverCurrentFailure', undefined, 3],
  ])('%s (%s, vendorErrorCode %s) → %i', (_case, errorCode, vendorErrorCode, code) => {
    expect(guideErrorCode(errorCode, WITTY_VENDOR_ID, vendorErrorCode)).toBe(code);
  });

  it("another vendor's vendorErrorCode is not read as a Witty code", () => {
    expect(guideErrorCode('NoError', 'com.example', '5')).toBe(0);
    expect(guideErrorCode('OverCurrentFailure', 'com.example', '130')).toBe(3);
    expect(guideErrorCode('OverCurrentFailure', undefined, '130')).toBe(3);
  });

  // OCPP 1.6 §7.6 ChargePointErrorCode, each mapped to the nearest code of the guide.
  it.each([
    ['NoError', ERROR_CODES.NoError],
    ['ConnectorLockFailure', ERROR_CODES.M3CableFailure],
    ['OverCurrentFailure', ERROR_CODES.CarOverconsumption],
    ['HighTemperature', ERROR_CODES.M3VentilationError],
    ['GroundFailure', ERROR_CODES.SixmADetection],
    ['PowerSwitchFailure', ERROR_CODES.M3FatalErrorWeldedContact1],
    ['EVCommunicationError', ERROR_CODES.M3CpFailure],
    ['InternalError', ERROR_CODES.M3CpFailure],
    ['LocalListConflict', ERROR_CODES.M3CpFailure],
    ['OtherError', ERROR_CODES.M3CpFailure],
    ['OverVoltage', ERROR_CODES.M3CpFailure],
    ['PowerMeterFailure', ERROR_CODES.M3CpFailure],
    ['ReaderFailure', ERROR_CODES.M3CpFailure],
    ['ResetFailure', ERROR_CODES.M3CpFailure],
    ['UnderVoltage', ERROR_CODES.M3CpFailure],
    ['WeakSignal', ERROR_CODES.M3CpFailure],
  ])('generic charger %s → %i', (errorCode, code) => {
    expect(guideErrorCode(errorCode, undefined, undefined)).toBe(code);
  });
});

describe("the guide's charging-station examples against the route schemas", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);

  it.each([
    ['09-charging-station-associate-request.json', AssociateRequestSchema],
    ['10-charging-station-set-charge-mode-request.json', SetChargeModeRequestSchema],
    ['11-charging-station-update-request.json', UpdateRequestSchema],
    ['08-charging-station.json', ChargingStationSchema],
  ])('%s is valid', (file, schema) => {
    const validate = ajv.compile(schema);
    expect(validate(guideExample(file)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['ticConnected', 'Connected'],
    ['connectivityType', 'Wifi'],
    ['error', { code: 7 }],
  ])('the guide’s station example with %s %j is not valid', (member, value) => {
    const validate = ajv.compile(ChargingStationSchema);
    const example = guideExample<{ properties: Record<string, unknown> }>(
      '08-charging-station.json',
    );
    const changed = { ...example, properties: { ...example.properties, [member]: value } };
    expect(validate(changed)).toBe(false);
  });

  it.each([
    ['the uid only', { uid: 'Fbo5WTTsSeeLQ8YYoLzNwN' }, true],
    ['the qrCode only', { qrCode: 'https://hgr.io/u/Fbo5WTTsSeeLQ8YYoLzNwN' }, true],
    ['neither uid nor qrCode', {}, false],
  ])('an association request with %s: valid %s', (_case, naming, valid) => {
    const validate = ajv.compile(AssociateRequestSchema);
    const request = { timezone: 'Romance Standard Time', country: 'fr-fr', ...naming };
    expect(validate(request)).toBe(valid);
  });
});

import { Type, type Static } from 'typebox';
import { CONNECTIVITY_TYPES, ERROR_CODES, TIC_CONNECTED_VALUES } from '../protocol/index.js';
import { Enum, IntegerEnum, Nullable } from '../http/schemas.js';

export const TIMEZONES = [
  'GMT Standard Time',
  'Romance Standard Time',
  'W. Europe Standard Time',
] as const;
export const CULTURES = ['en-gb', 'fr-fr', 'de-de'] as const;
export const CHARGE_MODES = ['immediate', 'deferred', 'deferredExclusive'] as const;
export const TARIFF_CLASSES = ['hc', 'hp'] as const;

const stationExample = {
  id: '60e0d33e-cd45-4382-9e4d-c64002c3f5a7',
  serialNumber: '1234ABCDEF5678',
  uuid: 'SyybhpX7Lzo3uhTzCoWQbn',
  installationParentId: 33,
  type: 'chargingStation',
};

const TariffClass = Nullable(
  Enum(TARIFF_CLASSES),
  'Low (hc) or high (hp) price tariff of the standard TIC',
);

export const CurrentSessionSchema = Type.Object({
  startDate: Type.String({ format: 'date-time' }),
  duration: Type.String({ description: 'HH:MM since the start' }),
  totalSessionEnergy: Type.Number({ description: 'kWh' }),
  totalSessionCost: Type.Number({ description: 'Cost of the energy, in the tariff currency' }),
  chargingSpeed: Enum(
    ['optimal', 'stopped'],
    'optimal: the car is charging; stopped: plugged but not drawing power',
  ),
  chargingDuration: Type.String({ description: 'HH:MM spent charging' }),
  rangeRecoveredByEV: Type.Integer({ description: 'km: energy / averageEvConsumption × 100' }),
});

export const LastSessionSchema = Type.Object({
  startDate: Type.String({ format: 'date-time' }),
  endDate: Type.String({ format: 'date-time' }),
  sessionDuration: Type.String({ description: 'HH:MM' }),
  chargingDuration: Type.String({ description: 'HH:MM' }),
  totalSessionEnergy: Type.Number({ description: 'kWh' }),
  totalSessionCost: Type.Number(),
  rangeRecoveredByEV: Type.Integer({ description: 'km' }),
});

export const ChargingStationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Identifier of the station in the platform' }),
    serialNumber: Type.String(),
    uuid: Type.String({ description: 'Unique identifier (uid) of the device' }),
    installationParentId: Type.Integer(),
    type: Type.Literal('chargingStation'),
    properties: Type.Object({
      installationDate: Type.String({ format: 'date-time' }),
      productionDate: Type.String({ format: 'date-time' }),
      productReference: Type.String(),
      macAddress: Nullable(Type.String()),
      wifiSsid: Nullable(Type.String()),
      friendlyName: Nullable(Type.String()),
      phaseNumber: Nullable(Type.String()),
      erlConnected: Nullable(Type.Boolean()),
      ticConnected: Nullable(
        Enum(TIC_CONNECTED_VALUES),
        'Wired TIC connection state; null until the station reports it',
      ),
      nightModeConnected: Nullable(Type.String()),
      sheddingMode: Nullable(Type.String()),
      averageEvConsumption: Type.String({ description: 'kWh/100 km, as a decimal string' }),
      isDefaultAverageEvConsumption: Type.Boolean(),
      ledPower: Type.Optional(
        Nullable(
          Type.Integer({ minimum: 30, maximum: 100 }),
          'LED brightness, % (settable by PUT)',
        ),
      ),
      tariff1: TariffClass,
      tariff2: TariffClass,
      tariff3: TariffClass,
      tariff4: TariffClass,
      tariff5: TariffClass,
      tariff6: TariffClass,
      tariff7: TariffClass,
      tariff8: TariffClass,
      tariff9: TariffClass,
      tariff10: TariffClass,
      authorizeTic: Enum(['consent', 'noConsent']),
      availability: Enum(['available', 'occupied', 'charging', 'inTrouble']),
      chargeMode: Enum(CHARGE_MODES),
      carPlugStatus: Nullable(Enum(['m2', 'm3', 'm2m3']), 'Plugged sockets; null when none'),
      keySwitch: Nullable(Enum(['locked', 'unlocked'])),
      timezone: Enum(TIMEZONES),
      culture: Enum(CULTURES),
      connectivityType: Nullable(
        Enum(CONNECTIVITY_TYPES),
        'Communication board of the station; null until it reports it',
      ),
      evcsLocked: Type.Boolean(),
      error: Type.Object({
        code: IntegerEnum(
          Object.values(ERROR_CODES),
          Object.entries(ERROR_CODES)
            .map(([name, code]) => `${code} = ${name}`)
            .join(', '),
        ),
      }),
      currentSession: Nullable(CurrentSessionSchema),
      lastSession: Nullable(LastSessionSchema),
      heartbeat: Type.Object({
        heartbeat: Type.Boolean({ description: 'false once the station is offline' }),
        receptionDate: Nullable(Type.String({ format: 'date-time' })),
      }),
    }),
  },
  { $id: 'ChargingStation', examples: [stationExample] },
);
export type ChargingStation = Static<typeof ChargingStationSchema>;

export const AssociateRequestSchema = Type.Object(
  {
    uid: Type.Optional(
      Type.String({ minLength: 1, maxLength: 48, description: 'Device uid (on the packaging)' }),
    ),
    qrCode: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description: 'URL of the QR code; its last path segment is the uid',
      }),
    ),
    timezone: Enum(TIMEZONES),
    country: Enum(CULTURES),
  },
  {
    additionalProperties: false,
    // The guide: "You must pass at least one of the two parameters uid or qrCode".
    anyOf: [{ required: ['uid'] }, { required: ['qrCode'] }],
    examples: [
      {
        uid: 'Fbo5WTTsSeeLQ8YYoLzNwN',
        qrCode: 'https://hgr.io/u/Fbo5WTTsSeeLQ8YYoLzNwN',
        timezone: 'Romance Standard Time',
        country: 'fr-fr',
      },
    ],
  },
);
export type AssociateRequest = Static<typeof AssociateRequestSchema>;

const tariffInputs = Object.fromEntries(
  Array.from({ length: 10 }, (_, i) => [`tariff${i + 1}`, Type.Optional(Enum(TARIFF_CLASSES))]),
);

export const UpdateRequestSchema = Type.Object(
  {
    friendlyName: Type.Optional(Type.String({ maxLength: 100 })),
    ledPower: Type.Optional(
      Type.Integer({
        minimum: 30,
        maximum: 100,
        description: 'Brightness of the front LED, a whole percentage from 30 to 100',
      }),
    ),
    averageEvConsumption: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'kWh per 100 km' }),
    ),
    ...tariffInputs,
  },
  {
    additionalProperties: false,
    // Every field is optional (the guide), but a PUT with nothing to update is refused.
    minProperties: 1,
    description: 'The properties to update: any of them, at least one',
    examples: [
      {
        friendlyName: 'my borne',
        ledPower: 30,
        averageEvConsumption: 37.5,
        tariff1: 'hp',
        tariff2: 'hc',
        tariff3: 'hp',
        tariff4: 'hp',
        tariff5: 'hc',
        tariff6: 'hp',
        tariff7: 'hp',
        tariff8: 'hp',
        tariff9: 'hp',
        tariff10: 'hp',
      },
    ],
  },
);
export type UpdateRequest = {
  friendlyName?: string;
  ledPower?: number;
  averageEvConsumption?: number;
} & Partial<Record<`tariff${number}`, 'hc' | 'hp'>>;

export const SetChargeModeRequestSchema = Type.Object(
  { chargeMode: Enum(CHARGE_MODES) },
  { additionalProperties: false, examples: [{ chargeMode: 'immediate' }] },
);

export const CommandSchema = Type.Object(
  {
    commandId: Type.String({ format: 'uuid' }),
    chargingStationId: Type.String({ format: 'uuid' }),
    type: Enum([
      'setChargeMode',
      'update',
      'start',
      'stop',
      'authorizeTic',
      'configure',
      'chargePlan',
    ]),
    status: Enum(
      ['pending', 'accepted', 'rejected', 'timedOut'],
      'pending until the station answers',
    ),
    request: Type.Record(Type.String(), Type.Unknown()),
    createdDate: Type.String({ format: 'date-time' }),
    completedDate: Nullable(Type.String({ format: 'date-time' })),
    calls: Type.Array(
      Type.Object({
        action: Type.String({ description: 'OCPP 1.6J action sent to the station' }),
        payload: Type.Record(Type.String(), Type.Unknown()),
        response: Type.Optional(Type.Unknown()),
        error: Type.Optional(Type.String()),
      }),
      { description: 'The OCPP calls made for this command and the station answers' },
    ),
  },
  { $id: 'StationCommand' },
);
export type StationCommand = Static<typeof CommandSchema>;

export const StationParamsSchema = Type.Object({
  installationId: Type.Integer({ minimum: 1, maximum: 2147483647 }),
  chargingStationId: Type.String({ format: 'uuid' }),
});

export const CommandParamsSchema = Type.Object({
  installationId: Type.Integer({ minimum: 1, maximum: 2147483647 }),
  chargingStationId: Type.String({ format: 'uuid' }),
  commandId: Type.String({ format: 'uuid' }),
});

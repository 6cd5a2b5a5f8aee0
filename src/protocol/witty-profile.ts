/**
 * The Witty profile of OCPP 1.6J: how Witty-specific data travels in standard messages.
 * docs/ocpp-profile.md describes the same table for station implementers; the simulator
 * implements it. A generic OCPP 1.6J charger that knows none of it still works.
 */

/** OCPP 1.6 §5.6 DataTransfer vendorId of Witty messages. */
export const WITTY_VENDOR_ID = 'fr.hager.witty';

/** Connector numbering (OCPP 1.6 §3.7: connector 0 is the station itself). */
export const CONNECTOR = { station: 0, m3: 1, m2: 2 } as const;

/** DataTransfer messageIds sent by a Witty station. */
export const DATA_TRANSFER = {
  /** Installation facts: {wifiSsid?, macAddress?, phaseNumber?, erlConnected?, ticConnected?, nightModeConnected?, sheddingMode?, connectivityType?}. */
  stationInfo: 'StationInfo',
  /** Physical key: {keySwitch: "locked"|"unlocked", evcsLocked: boolean}. */
  keySwitch: 'KeySwitch',
  /** Network access events: {event: 0..4, message?} (the guide's cybersecurity codes). */
  cyberSecurity: 'CyberSecurity',
  /** Linky TIC data, sent only while the owner consents: {frame: raw dataset} or {labels: {LABEL: value}}, with the reading's timestamp. */
  tic: 'Tic',
} as const;

/** Longest CyberSecurity `message` kept; a longer one is cut (the event itself is kept). */
export const MAX_CYBERSECURITY_MESSAGE = 255;

/** Longest StationInfo text value; a StationInfo with a longer one is Rejected. */
export const MAX_STATION_INFO_VALUE = 64;

/** ChangeConfiguration / GetConfiguration keys (OCPP 1.6 §5.3, §5.8) of Witty settings. */
export const CONFIGURATION_KEY = {
  chargeMode: 'WittyChargeMode',
  ledPower: 'WittyLedPower',
  authorizeTic: 'WittyAuthorizeTic',
  tariff: (n: number) => `WittyTariff${n}`,
} as const;

export const TARIFF_NUMBERS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;

/** Every Witty configuration key, as asked after each boot. */
export const ALL_CONFIGURATION_KEYS = [
  CONFIGURATION_KEY.chargeMode,
  CONFIGURATION_KEY.ledPower,
  CONFIGURATION_KEY.authorizeTic,
  ...TARIFF_NUMBERS.map(CONFIGURATION_KEY.tariff),
];

/** idTag of sessions started by the platform (RemoteStartTransaction), CiString20. */
export const REMOTE_ID_TAG = 'WITTY-REMOTE';

/** Heartbeat interval given in BootNotification.conf, seconds (the guide: every 10 minutes). */
export const HEARTBEAT_INTERVAL_SECONDS = 600;

/** The guide's error codes (`error.code`). */
export const ERROR_CODES = {
  NoError: 0,
  M3CableFailure: 1,
  M3CpShortCircuitFailure: 2,
  CarOverconsumption: 3,
  M3VentilationError: 4,
  LoadSheddingFailure: 5,
  M3CpFailure: 6,
  SixmADetection: 9,
  M3FatalErrorWeldedContact1: 130,
  FatalErrorDcSensor6mA: 133,
  Offline: 400,
} as const;

/** The guide's `ticConnected` values (Error | Connected | NotConnected), camelCase on the wire. */
export const TIC_CONNECTED_VALUES = ['error', 'connected', 'notConnected'] as const;

/** The guide's `connectivityType` values (Wifi | Ethernet), camelCase on the wire. */
export const CONNECTIVITY_TYPES = ['wifi', 'ethernet'] as const;

const KNOWN_CODES = new Set<number>(Object.values(ERROR_CODES));

/**
 * The guide's error code of a StatusNotification: a Witty station sends it as
 * vendorErrorCode with vendorId fr.hager.witty; for a generic charger, its OCPP
 * ChargePointErrorCode maps to the nearest code.
 */
export function guideErrorCode(
  errorCode: string,
  vendorId: string | undefined,
  vendorErrorCode: string | undefined,
): number {
  if (
    vendorId === WITTY_VENDOR_ID &&
    vendorErrorCode !== undefined &&
    /^\d+$/.test(vendorErrorCode)
  ) {
    const code = Number(vendorErrorCode);
    if (KNOWN_CODES.has(code) && code !== ERROR_CODES.Offline) return code;
  }
  switch (errorCode) {
    case 'NoError':
      return ERROR_CODES.NoError;
    case 'OverCurrentFailure':
      return ERROR_CODES.CarOverconsumption;
    case 'GroundFailure':
      return ERROR_CODES.SixmADetection;
    case 'HighTemperature':
      return ERROR_CODES.M3VentilationError;
    case 'ConnectorLockFailure':
      return ERROR_CODES.M3CableFailure;
    case 'PowerSwitchFailure':
      return ERROR_CODES.M3FatalErrorWeldedContact1;
    default:
      // EVCommunicationError, InternalError, OtherError, PowerMeterFailure, ReaderFailure,
      // ResetFailure, UnderVoltage, OverVoltage, WeakSignal: the control pilot / station fault.
      return ERROR_CODES.M3CpFailure;
  }
}

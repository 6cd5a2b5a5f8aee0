/** The measures and logs each kind of device offers (the guide's metadata models). */

export interface MeasureDefinition {
  measureId: string;
  name: string;
  type: string;
  unit: string;
  periodicity: '10m';
}

export interface LogDefinition {
  logId: string;
  name: string;
  periodicity: 'Immediate';
}

export type DeviceKind = 'chargingStation' | 'gridMeter';

/**
 * Measures whose values are consumption or cost: never shown to installers (the guide: no
 * consumption, no costs). Every grid meter measure is the house's consumption, its power and
 * intensity included (the guide: "TIC data are your house consumption").
 */
export const PRIVATE_MEASURES: Record<DeviceKind, ReadonlySet<string>> = {
  chargingStation: new Set(['EnergyConsumption', 'ConsumptionCost', 'ChargingPower']),
  gridMeter: new Set(['EnergyConsumption', 'ConsumptionCost', 'ApparentPower', 'Intensity']),
};
/** Logs carrying consumption or cost. */
export const PRIVATE_LOGS = new Set(['SessionEnd']);

export const MEASURES: Record<DeviceKind, readonly MeasureDefinition[]> = {
  chargingStation: [
    { measureId: '1', name: 'EnergyConsumption', type: 'Energy', unit: 'kWh', periodicity: '10m' },
    { measureId: '2', name: 'ChargingPower', type: 'Power', unit: 'kW', periodicity: '10m' },
    { measureId: '3', name: 'ConsumptionCost', type: 'Cost', unit: 'eur', periodicity: '10m' },
  ],
  gridMeter: [
    { measureId: '1', name: 'EnergyConsumption', type: 'Energy', unit: 'kWh', periodicity: '10m' },
    { measureId: '2', name: 'ConsumptionCost', type: 'Cost', unit: 'eur', periodicity: '10m' },
    { measureId: '3', name: 'ApparentPower', type: 'Power', unit: 'VA', periodicity: '10m' },
    { measureId: '4', name: 'Intensity', type: 'Intensity', unit: 'A', periodicity: '10m' },
  ],
};

export const LOGS: Record<DeviceKind, readonly LogDefinition[]> = {
  chargingStation: [
    { logId: '1', name: 'SessionStart', periodicity: 'Immediate' },
    { logId: '2', name: 'SessionEnd', periodicity: 'Immediate' },
    { logId: '3', name: 'ChargeMode', periodicity: 'Immediate' },
    { logId: '4', name: 'Errors', periodicity: 'Immediate' },
    { logId: '5', name: 'KeySwitch', periodicity: 'Immediate' },
    { logId: '6', name: 'CyberSecurity', periodicity: 'Immediate' },
    { logId: '7', name: 'SocketState', periodicity: 'Immediate' },
  ],
  gridMeter: [
    { logId: '1', name: 'CurrentTariff', periodicity: 'Immediate' },
    { logId: '2', name: 'TicType', periodicity: 'Immediate' },
  ],
};

/** The guide's error names, camelCase as its log examples write them ("noError"). */
export const ERROR_NAMES: Record<number, string> = {
  0: 'noError',
  1: 'm3CableFailure',
  2: 'm3CpShortCircuitFailure',
  3: 'carOverconsumption',
  4: 'm3VentilationError',
  5: 'loadSheddingFailure',
  6: 'm3CpFailure',
  9: 'sixmADetection',
  130: 'm3FatalErrorWeldedContact1',
  133: 'fatalErrorDcSensor6mA',
  400: 'offline',
};

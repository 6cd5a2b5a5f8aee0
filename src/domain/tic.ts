/**
 * Pure rules of the TIC (téléinformation client) of French grid meters, historic mode
 * (Enedis-NOI-CPT_02E) and Linky standard mode (Enedis-NOI-CPT_54E).
 */
import { SUBSCRIPTION_TARIFFS, type Subscription, type TariffId } from './tariffs.js';

/** The guide's grid meter ticType: numbers on the wire, names in the TicType log. */
export const TIC_TYPES = {
  error: 0,
  idle: 1,
  greenCharging: 2,
  standardMono: 3,
  standardTri: 4,
  historicMono: 5,
  historicTri: 6,
} as const;

export type TicTypeName = keyof typeof TIC_TYPES;

const TIC_TYPE_NAMES = new Map<number, TicTypeName>(
  (Object.entries(TIC_TYPES) as [TicTypeName, number][]).map(([name, code]) => [code, name]),
);

/** The TicType log's name for a ticType code, undefined for an unknown code. */
export function ticTypeName(code: number): TicTypeName | undefined {
  return TIC_TYPE_NAMES.get(code);
}

/** What a TIC frame says about the meter, in the units the platform stores (Wh, A, VA). */
export interface TicReading {
  ticType: number;
  mode: 'historic' | 'standard' | null;
  meterId: string | null;
  subscription: Subscription | null;
  currentTariff: TariffId | null;
  indexesWh: Partial<Record<TariffId, number>>;
  totalIndexWh: number | null;
  intensitySubscribedA: number | null;
  apparentPowerVa: number | null;
  intensityA: number | null;
}

const HT = '\t';
const SP = ' ';

/** Checksum character of a TIC line: (sum of the bytes) & 0x3F + 0x20, both modes. */
function checksumOf(covered: string): string {
  let sum = 0;
  for (let index = 0; index < covered.length; index++) sum += covered.charCodeAt(index);
  return String.fromCharCode((sum & 0x3f) + 0x20);
}

/** Label and value of one line, or null when it is malformed or its checksum is wrong. */
function parseLine(line: string): [label: string, value: string] | null {
  // The checksum is the last character and may itself be a space (sum & 0x3F = 0, as in
  // `PTEC HP..` + SP + SP): lines are never trimmed, and the separator is read before it.
  if (line.length < 4) return null;
  const checksum = line.charAt(line.length - 1);
  const separator = line.charAt(line.length - 2);
  const body = line.slice(0, -2);
  if (separator === HT) {
    // Standard mode (CPT_54E, checksum mode 2): the HT before the checksum is summed;
    // LABEL HT [HORODATE HT] VALUE, values may hold spaces (LTARF, MSG1) but never a tab.
    if (checksumOf(body + HT) !== checksum) return null;
    const fields = body.split(HT);
    if (fields.length !== 2 && fields.length !== 3) return null;
    const [label, ...rest] = fields;
    const value = rest[rest.length - 1];
    if (!label || value === undefined) return null;
    return [label, value];
  }
  if (separator === SP) {
    // Historic mode (CPT_02E): LABEL SP VALUE is summed, not the SP before the checksum.
    if (checksumOf(body) !== checksum) return null;
    const split = body.indexOf(SP);
    if (split <= 0) return null;
    return [body.slice(0, split), body.slice(split + 1)];
  }
  return null;
}

/**
 * Label → value of a raw TIC frame, historic or standard, lines with a wrong checksum skipped.
 * STX, ETX, EOT (frame interrupted), LF and CR only delimit lines; a later line of a label wins.
 */
export function parseTicDataset(text: string): Record<string, string> {
  const labels = new Map<string, string>();
  // eslint-disable-next-line no-control-regex -- the TIC delimiters are control characters
  for (const line of text.split(/[\x02\x03\x04\n\r]/)) {
    const parsed = parseLine(line);
    if (parsed) labels.set(...parsed);
  }
  // fromEntries defines own properties: a label such as __proto__ cannot reach the prototype.
  return Object.fromEntries(labels);
}

/** Historic index labels, in Wh on the wire. */
const HISTORIC_INDEXES: Readonly<Record<string, TariffId>> = {
  BASE: 'th',
  HCHC: 'hc',
  HCHP: 'hp',
  EJPHN: 'hn',
  EJPHPM: 'pm',
  BBRHCJB: 'hcjb',
  BBRHPJB: 'hpjb',
  BBRHCJW: 'hcjw',
  BBRHPJW: 'hpjw',
  BBRHCJR: 'hcjr',
  BBRHPJR: 'hpjr',
};

/** Standard supplier indexes EASF01..EASF10 → tariff1..tariff10, in Wh on the wire. */
const STANDARD_INDEXES: Readonly<Record<string, TariffId>> = Object.fromEntries(
  Array.from({ length: 10 }, (_, index) => [
    `EASF${String(index + 1).padStart(2, '0')}`,
    `tariff${index + 1}` as TariffId,
  ]),
);

/** PTEC once its dot padding is stripped (`HC..` → HC): the tariff id in upper case. */
const PTEC_TARIFFS: ReadonlyMap<string, TariffId> = new Map(
  (['th', 'hc', 'hp', 'hn', 'pm', 'hcjb', 'hpjb', 'hcjw', 'hpjw', 'hcjr', 'hpjr'] as const).map(
    (tariff) => [tariff.toUpperCase(), tariff],
  ),
);

/** A value without its dot padding, upper case (`HC..` → HC); tolerant of already-trimmed input. */
function undotted(value: string): string {
  return value.trim().replace(/\.+$/, '').toUpperCase();
}

/** OPTARIF on the wire: `BASE`, `HC..`, `EJP.`, `BBRx` (x = the Tempo program's code). */
function subscriptionOfOptarif(value: string | undefined): Subscription | null {
  if (value === undefined) return null;
  const optarif = value.trim().toUpperCase();
  if (optarif.startsWith('BBR')) return 'TEMPO';
  switch (undotted(optarif)) {
    case 'BASE':
      return 'BASE';
    case 'HC':
      return 'HCHP';
    case 'EJP':
      return 'EJP';
    default:
      return null;
  }
}

/** An unsigned decimal field (leading zeros on the wire), null when absent or garbled. */
function digits(value: string | undefined): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

/** The largest of the present numeric fields, null when none is present. */
function maxOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length > 0 ? Math.max(...present) : null;
}

/** Sum of the present indexes of the given tariffs, null when none is present. */
function sumOf(indexes: Partial<Record<TariffId, number>>, tariffs: readonly TariffId[]) {
  const present = tariffs.flatMap((tariff) => indexes[tariff] ?? []);
  return present.length > 0 ? present.reduce((sum, index) => sum + index, 0) : null;
}

function indexesFrom(
  labels: ReadonlyMap<string, string>,
  indexLabels: Readonly<Record<string, TariffId>>,
): Partial<Record<TariffId, number>> {
  const indexes: Partial<Record<TariffId, number>> = {};
  for (const [label, tariff] of Object.entries(indexLabels)) {
    const index = digits(labels.get(label));
    if (index !== null) indexes[tariff] = index;
  }
  return indexes;
}

function errorReading(): TicReading {
  return {
    ticType: TIC_TYPES.error,
    mode: null,
    meterId: null,
    subscription: null,
    currentTariff: null,
    indexesWh: {},
    totalIndexWh: null,
    intensitySubscribedA: null,
    apparentPowerVa: null,
    intensityA: null,
  };
}

function readHistoric(labels: ReadonlyMap<string, string>, meterId: string | null): TicReading {
  const subscription = subscriptionOfOptarif(labels.get('OPTARIF'));
  const ptec = labels.get('PTEC');
  const indexesWh = indexesFrom(labels, HISTORIC_INDEXES);
  const phases = ['IINST1', 'IINST2', 'IINST3'].map((label) => digits(labels.get(label)));
  const tri = phases.some((intensity) => intensity !== null);
  const intensityA = digits(labels.get('IINST')) ?? maxOf(phases);
  const apparentPowerVa = digits(labels.get('PAPP'));
  return {
    ticType: tri ? TIC_TYPES.historicTri : TIC_TYPES.historicMono,
    mode: 'historic',
    meterId,
    subscription,
    currentTariff: (ptec !== undefined && PTEC_TARIFFS.get(undotted(ptec))) || null,
    indexesWh,
    // Only the subscription's registers count: an unknown OPTARIF falls back to all of them.
    totalIndexWh: sumOf(
      indexesWh,
      subscription ? SUBSCRIPTION_TARIFFS[subscription] : Object.values(HISTORIC_INDEXES),
    ),
    intensitySubscribedA: digits(labels.get('ISOUSC')),
    apparentPowerVa,
    intensityA,
  };
}

function readStandard(labels: ReadonlyMap<string, string>, meterId: string | null): TicReading {
  const indexesWh = indexesFrom(labels, STANDARD_INDEXES);
  const tariffNumber = digits(labels.get('NTARF'));
  const tri = ['IRMS2', 'IRMS3', 'SINSTS1', 'SINSTS2', 'SINSTS3'].some((label) =>
    labels.has(label),
  );
  const referencePowerKva = digits(labels.get('PREF'));
  return {
    ticType: tri ? TIC_TYPES.standardTri : TIC_TYPES.standardMono,
    mode: 'standard',
    meterId,
    // The guide: Witty consolidates every alternative contract to STANDARD, tariff1..tariff10.
    subscription: 'STANDARD',
    currentTariff:
      tariffNumber !== null && tariffNumber >= 1 && tariffNumber <= 10
        ? (`tariff${tariffNumber}` as TariffId)
        : null,
    indexesWh,
    totalIndexWh: digits(labels.get('EAST')) ?? sumOf(indexesWh, Object.values(STANDARD_INDEXES)),
    // The guide: a 6 kVA subscription is 30 A, i.e. 5 A per kVA.
    intensitySubscribedA: referencePowerKva === null ? null : referencePowerKva * 5,
    apparentPowerVa: digits(labels.get('SINSTS')),
    intensityA: maxOf(['IRMS1', 'IRMS2', 'IRMS3'].map((label) => digits(labels.get(label)))),
  };
}

/**
 * What a TIC frame says, from its label → value pairs (parsed by parseTicDataset or sent
 * already split): historic or standard mode, mono or tri; idle when the meter sends its serial
 * but no index (nor measure); error when there is neither serial nor index. GreenCharging (2) is a historic
 * TIC simulated by Hager's XEV304, indistinguishable on the wire, so it is never returned.
 */
export function readTic(labels: Record<string, string>): TicReading {
  const byLabel = new Map(
    Object.entries(labels).map(([label, value]) => [label.trim().toUpperCase(), value]),
  );
  const adsc = byLabel.get('ADSC')?.trim() || null;
  const adco = byLabel.get('ADCO')?.trim() || null;
  const standardIndexes = Object.keys(STANDARD_INDEXES).concat('EAST');
  const hasStandardIndex = standardIndexes.some((label) => digits(byLabel.get(label)) !== null);
  const hasHistoricIndex = Object.keys(HISTORIC_INDEXES).some(
    (label) => digits(byLabel.get(label)) !== null,
  );

  let reading: TicReading;
  if (adsc || (!adco && hasStandardIndex)) reading = readStandard(byLabel, adsc);
  else if (adco || hasHistoricIndex) reading = readHistoric(byLabel, adco);
  else return errorReading();

  // A tri meter's short frame in overload (ADIR1..3, ADCO, IINST1..3) has no index but is no
  // idle signal: idle is the serial alone, with neither index nor instantaneous measure.
  const hasIndex = reading.mode === 'standard' ? hasStandardIndex : hasHistoricIndex;
  const hasMeasure = reading.intensityA !== null || reading.apparentPowerVa !== null;
  if (!hasIndex && !hasMeasure) reading.ticType = TIC_TYPES.idle;
  return reading;
}

/**
 * A virtual Linky meter for the simulator: the French tariff calendars (HC windows, Tempo
 * colours, EJP peak days), energy indexes, and TIC frames in historic (Enedis-NOI-CPT_02E) or
 * standard (Enedis-NOI-CPT_54E) mode that src/domain/tic.ts reads back.
 */
import { DateTime } from 'luxon';
import { SUBSCRIPTION_TARIFFS, type Subscription, type TariffId } from '../domain/tariffs.js';

/** Colour of a Tempo day. */
export type TempoColour = 'blue' | 'white' | 'red';

/** How the meter is set up; everything but the subscription has a default. */
export interface LinkyOptions {
  subscription: Subscription;
  /** TIC mode; default standard for STANDARD, historic otherwise. */
  mode?: 'historic' | 'standard';
  /** Subscribed intensity, A (default 30, i.e. 6 kVA). */
  intensitySubscribedA?: number;
  /** HCHP off-peak windows, local 'HH:MM' pairs, end excluded (default [['22:00','06:00']]). */
  hcWindows?: [string, string][];
  /** IANA zone of the meter's clock (default 'Europe/Paris'). */
  zone?: string;
  /** ADCO / ADSC, 12 characters. */
  meterId?: string;
  /** Indexes at the start, Wh, for tariffs of the subscription only. */
  startIndexesWh?: Partial<Record<TariffId, number>>;
  /** local times → tariffN for STANDARD, default tariff1 22:00–06:00, tariff2 otherwise */
  standardSchedule?: { from: string; to: string; tariff: number }[];
}

const DEFAULT_ZONE = 'Europe/Paris';
const DEFAULT_INTENSITY_A = 30;
const DEFAULT_METER_ID = '021999000001';
const DEFAULT_HC_WINDOWS: readonly (readonly [string, string])[] = [['22:00', '06:00']];
// Tempo's off-peak hours are national and fixed, not set by the grid operator.
const TEMPO_HC_WINDOWS: readonly (readonly [string, string])[] = [['22:00', '06:00']];
const DEFAULT_STANDARD_SCHEDULE: readonly { from: string; to: string; tariff: number }[] = [
  { from: '22:00', to: '06:00', tariff: 1 },
  { from: '06:00', to: '22:00', tariff: 2 },
];

/** A Tempo day runs 06:00 → 06:00 local. */
const TEMPO_DAY_START_HOUR = 6;
/** An EJP peak runs 07:00 → 01:00 local: the EJP day starts at 01:00 so the peak fits in one. */
const EJP_DAY_START_HOUR = 1;
const EJP_PEAK_START_HOUR = 7;

const RED_DAYS = 22;
const WHITE_DAYS = 43;
const EJP_PEAK_DAYS = 22;

/** The instant in the zone; throws on an invalid date or zone rather than computing with NaN. */
function inZone(instant: Date, zone: string): DateTime<true> {
  const local = DateTime.fromJSDate(instant, { zone });
  if (!local.isValid) {
    throw new RangeError(`cannot place ${String(instant)} in zone ${zone}: ${local.invalidReason}`);
  }
  return local;
}

/** Minutes since local midnight of a local 'HH:MM' ('24:00' allowed as an end). */
function minutesOf(clock: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(clock);
  if (match) return Number(match[1]) * 60 + Number(match[2]);
  if (clock === '24:00') return 24 * 60;
  throw new RangeError(`a local time must be 'HH:MM', got ${JSON.stringify(clock)}`);
}

/** Whether a local minute of the day is in [from, to), wrapping past midnight; from = to is all day. */
function isWithin(minute: number, from: string, to: string): boolean {
  const start = minutesOf(from) % (24 * 60);
  const end = minutesOf(to) % (24 * 60);
  if (start === end) return true;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

function minuteOfDay(local: DateTime<true>): number {
  return local.hour * 60 + local.minute;
}

/** Local calendar date ('YYYY-MM-DD') of the day, starting at `startHour`, that holds the instant. */
function dayStartingAt(local: DateTime<true>, startHour: number): string {
  // Calendar arithmetic on the bare date: a real-time "minus n hours" would go wrong across DST.
  const date = DateTime.utc(local.year, local.month, local.day);
  return (local.hour < startHour ? date.minus({ days: 1 }) : date).toISODate() ?? '';
}

// ---------------------------------------------------------------------------------------------
// Season calendars: which days are Tempo red / white and EJP peak days. The real ones are
// announced the day before by RTE / EDF; the simulator draws them from a generator seeded by
// the season's start year, so every run (and every zone) sees the same calendar.

interface SeasonCalendar {
  red: ReadonlySet<string>;
  white: ReadonlySet<string>;
  ejpPeak: ReadonlySet<string>;
}

interface CalendarDay {
  date: string;
  month: number;
  /** ISO weekday: 1 Monday … 7 Sunday. */
  weekday: number;
}

const calendars = new Map<number, SeasonCalendar>();

/** Start year of the Tempo / EJP season (1 September → 31 August) holding a date. */
function seasonOf(date: string): number {
  const year = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 9 ? year : year - 1;
}

/** 32-bit FNV-1a of a string, to seed the generator. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return hash >>> 0;
}

/** Mulberry32: a small seeded generator of numbers in [0, 1). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` days drawn without replacement, each with the chance of its weight (Efraimidis–Spirakis). */
function drawDays(
  candidates: readonly CalendarDay[],
  weightOf: (day: CalendarDay) => number,
  count: number,
  random: () => number,
): Set<string> {
  const keyed = candidates.map((day) => ({
    date: day.date,
    key: Math.pow(random(), 1 / weightOf(day)),
  }));
  keyed.sort((left, right) => right.key - left.key);
  return new Set(keyed.slice(0, count).map((day) => day.date));
}

/** Easter Monday of a year ('YYYY-MM-DD'), Easter by the anonymous Gregorian algorithm. */
function easterMondayOf(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return DateTime.utc(year, month, day).plus({ days: 1 }).toISODate() ?? '';
}

/** French public holidays between 1 November and 31 March of a season. */
function winterHolidays(startYear: number): Set<string> {
  const next = startYear + 1;
  return new Set([
    `${startYear}-11-01`,
    `${startYear}-11-11`,
    `${startYear}-12-25`,
    `${next}-01-01`,
    // Easter Monday falls in March some years (e.g. 2027-03-29).
    easterMondayOf(next),
  ]);
}

function calendarOf(startYear: number): SeasonCalendar {
  const cached = calendars.get(startYear);
  if (cached) return cached;

  const days: CalendarDay[] = [];
  const end = DateTime.utc(startYear + 1, 9, 1);
  for (let day = DateTime.utc(startYear, 9, 1); day < end; day = day.plus({ days: 1 })) {
    days.push({ date: day.toISODate() ?? '', month: day.month, weekday: day.weekday });
  }
  const isWinter = (day: CalendarDay) => day.month >= 11 || day.month <= 3;
  const isWeekday = (day: CalendarDay) => day.weekday <= 5;
  // The coldest months, when the grid is most loaded, get most of the dear days.
  const winterWeight = (day: CalendarDay) => (day.month === 12 || day.month <= 2 ? 4 : 1);

  const tempo = generator(hashOf(`tempo:${startYear}`));
  const holidays = winterHolidays(startYear);
  // EDF: red days only on weekdays from 1 November to 31 March, never on a public holiday.
  const red = drawDays(
    days.filter((day) => isWinter(day) && isWeekday(day) && !holidays.has(day.date)),
    winterWeight,
    RED_DAYS,
    tempo,
  );
  // White days: any day but Sunday; drawn from October to May, mostly in winter.
  const white = drawDays(
    days.filter(
      (day) => day.weekday !== 7 && (day.month >= 10 || day.month <= 5) && !red.has(day.date),
    ),
    (day) => (isWinter(day) ? 3 : 1),
    WHITE_DAYS,
    tempo,
  );
  const ejpPeak = drawDays(
    days.filter((day) => isWinter(day) && isWeekday(day)),
    winterWeight,
    EJP_PEAK_DAYS,
    generator(hashOf(`ejp:${startYear}`)),
  );

  const calendar = { red, white, ejpPeak };
  calendars.set(startYear, calendar);
  return calendar;
}

/**
 * Tempo colour of the day holding the instant, the day running 06:00 → 06:00 local (05:59 has
 * the previous day's colour): 22 red weekdays 1 Nov–31 Mar, 43 white days (never Sunday), the
 * rest blue; the same calendar on every run for a given season.
 */
export function tempoColour(instant: Date, zone: string = DEFAULT_ZONE): TempoColour {
  const date = dayStartingAt(inZone(instant, zone), TEMPO_DAY_START_HOUR);
  const calendar = calendarOf(seasonOf(date));
  if (calendar.red.has(date)) return 'red';
  return calendar.white.has(date) ? 'white' : 'blue';
}

/**
 * Whether the instant falls on an EJP peak day (22 weekdays 1 Nov–31 Mar, the same on every
 * run), the EJP day running 01:00 → 01:00 local so that the peak, 07:00 → 01:00, lies within
 * one day: 00:30 still belongs to the previous day.
 */
export function isEjpPeakDay(instant: Date, zone: string = DEFAULT_ZONE): boolean {
  const date = dayStartingAt(inZone(instant, zone), EJP_DAY_START_HOUR);
  return calendarOf(seasonOf(date)).ejpPeak.has(date);
}

function inAnyWindow(minute: number, windows: readonly (readonly [string, string])[]): boolean {
  return windows.some(([from, to]) => isWithin(minute, from, to));
}

const TEMPO_TARIFFS: Record<TempoColour, { hc: TariffId; hp: TariffId }> = {
  blue: { hc: 'hcjb', hp: 'hpjb' },
  white: { hc: 'hcjw', hp: 'hpjw' },
  red: { hc: 'hcjr', hp: 'hpjr' },
};

function standardTariffNumber(tariff: number): number {
  if (!Number.isInteger(tariff) || tariff < 1 || tariff > 10) {
    throw new RangeError(`a STANDARD tariff is 1..10, got ${tariff}`);
  }
  return tariff;
}

/**
 * Tariff in force at the instant: BASE th; HCHP hc in the HC windows else hp; TEMPO hc/hp
 * (22:00–06:00) of the day's colour; EJP pm in the peak hours of peak days else hn; STANDARD
 * tariffN from the schedule, the first entry holding the local time winning (tariff1 if none).
 */
export function currentTariff(instant: Date, options: LinkyOptions): TariffId {
  const zone = options.zone ?? DEFAULT_ZONE;
  const local = inZone(instant, zone);
  const minute = minuteOfDay(local);
  switch (options.subscription) {
    case 'BASE':
      return 'th';
    case 'HCHP':
      return inAnyWindow(minute, options.hcWindows ?? DEFAULT_HC_WINDOWS) ? 'hc' : 'hp';
    case 'TEMPO': {
      const tariffs = TEMPO_TARIFFS[tempoColour(instant, zone)];
      return inAnyWindow(minute, TEMPO_HC_WINDOWS) ? tariffs.hc : tariffs.hp;
    }
    case 'EJP': {
      const peakHours = local.hour >= EJP_PEAK_START_HOUR || local.hour < EJP_DAY_START_HOUR;
      return peakHours && isEjpPeakDay(instant, zone) ? 'pm' : 'hn';
    }
    case 'STANDARD': {
      const schedule = options.standardSchedule ?? DEFAULT_STANDARD_SCHEDULE;
      const entry = schedule.find(({ from, to }) => isWithin(minute, from, to));
      return `tariff${standardTariffNumber(entry?.tariff ?? 1)}` as TariffId;
    }
    default:
      throw new RangeError(`unknown subscription: ${String(options.subscription)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// TIC frames.

const OPTARIF: Record<Exclude<Subscription, 'STANDARD'>, string> = {
  BASE: 'BASE',
  HCHP: 'HC..',
  EJP: 'EJP.',
  // BBRx, x the Tempo program's code: real meters send 'BBR('.
  TEMPO: 'BBR(',
};

const HISTORIC_INDEX_LABELS: Partial<Record<TariffId, string>> = {
  th: 'BASE',
  hc: 'HCHC',
  hp: 'HCHP',
  hn: 'EJPHN',
  pm: 'EJPHPM',
  hcjb: 'BBRHCJB',
  hpjb: 'BBRHPJB',
  hcjw: 'BBRHCJW',
  hpjw: 'BBRHPJW',
  hcjr: 'BBRHCJR',
  hpjr: 'BBRHPJR',
};

/** NGTF, the supplier's calendar name. */
const CALENDAR_NAMES: Record<Subscription, string> = {
  BASE: 'BASE',
  HCHP: 'H PLEINE/CREUSE',
  EJP: 'EJP',
  TEMPO: 'TEMPO',
  STANDARD: 'STANDARD',
};

/** LTARF, the name of the tariff in force. */
const TARIFF_NAMES: Partial<Record<TariffId, string>> = {
  th: 'BASE',
  hc: 'HEURE CREUSE',
  hp: 'HEURE PLEINE',
  hn: 'HEURE NORMALE',
  pm: 'POINTE MOBILE',
  hcjb: 'HC BLEU',
  hpjb: 'HP BLEU',
  hcjw: 'HC BLANC',
  hpjw: 'HP BLANC',
  hcjr: 'HC ROUGE',
  hpjr: 'HP ROUGE',
};

const STX = '\x02';
const ETX = '\x03';
const LF = '\n';
const CR = '\r';
const HT = '\t';
const SP = ' ';
const VOLTS = 230;

/** Checksum character of a TIC line: (sum of the bytes covered) & 0x3F + 0x20, both modes. */
function checksumOf(covered: string): string {
  let sum = 0;
  for (let index = 0; index < covered.length; index++) sum += covered.charCodeAt(index);
  return String.fromCharCode((sum & 0x3f) + 0x20);
}

/** An index on the wire: whole Wh, zero-padded; it rolls over past the field's width like a meter's. */
function indexField(wh: number, width = 9): string {
  return String(Math.floor(wh) % 10 ** width).padStart(width, '0');
}

/** An instantaneous measure on the wire: zero-padded, held at the field's largest value. */
function measureField(value: number, width: number): string {
  return String(Math.min(Math.round(value), 10 ** width - 1)).padStart(width, '0');
}

/** A standard-mode text field: 16 characters, centred like the meter's. */
function textField(text: string): string {
  const padding = Math.max(0, 16 - text.length);
  return ' '.repeat(Math.floor(padding / 2)) + text + ' '.repeat(Math.ceil(padding / 2));
}

/** A virtual Linky: tariff calendars, indexes that grow with consume(), TIC frames. */
export class VirtualLinky {
  private readonly options: LinkyOptions;
  private readonly mode: 'historic' | 'standard';
  private readonly meterId: string;
  private readonly intensitySubscribedA: number;
  private readonly tariffs: readonly TariffId[];
  // Integer milliwatt-hours, so that many fractional additions never drift; the wire shows Wh.
  private readonly milliWh = new Map<TariffId, number>();
  private apparentPowerVa = 0;
  /** The tariffs of the last instants asked for, newest first. */
  private readonly recentTariffs: { time: number; tariff: TariffId }[] = [];

  constructor(options: LinkyOptions) {
    const { subscription } = options;
    if (!Object.hasOwn(SUBSCRIPTION_TARIFFS, subscription)) {
      throw new RangeError(`unknown subscription: ${String(subscription)}`);
    }
    this.mode = options.mode ?? (subscription === 'STANDARD' ? 'standard' : 'historic');
    if (this.mode === 'historic' && subscription === 'STANDARD') {
      throw new RangeError('a historic TIC has no STANDARD subscription: use mode standard');
    }
    this.meterId = options.meterId ?? DEFAULT_METER_ID;
    // ADCO / ADSC: 12 printable characters, no space or tab to break a line.
    if (!/^[\x21-\x7e]{12}$/.test(this.meterId)) {
      throw new RangeError(`meterId must be 12 printable characters, got ${this.meterId}`);
    }
    this.intensitySubscribedA = options.intensitySubscribedA ?? DEFAULT_INTENSITY_A;
    this.checkIntensity();
    this.options = { ...options, zone: options.zone ?? DEFAULT_ZONE };
    inZone(new Date(0), this.options.zone ?? DEFAULT_ZONE);
    for (const [from, to] of options.hcWindows ?? []) isWithin(0, from, to);
    for (const { from, to, tariff } of options.standardSchedule ?? []) {
      isWithin(0, from, to);
      standardTariffNumber(tariff);
    }

    this.tariffs = SUBSCRIPTION_TARIFFS[subscription];
    for (const tariff of this.tariffs) this.milliWh.set(tariff, 0);
    for (const [tariff, wh] of Object.entries(options.startIndexesWh ?? {}) as [
      TariffId,
      number,
    ][]) {
      if (!this.milliWh.has(tariff)) {
        throw new RangeError(`${tariff} is no tariff of ${subscription}`);
      }
      if (!Number.isFinite(wh) || wh < 0) {
        throw new RangeError(`the start index of ${tariff} must be ≥ 0 Wh, got ${wh}`);
      }
      this.milliWh.set(tariff, Math.round(wh * 1000));
    }
  }

  private checkIntensity(): void {
    const intensity = this.intensitySubscribedA;
    // ISOUSC is two digits of A; PREF two digits of kVA, 5 A per kVA.
    const valid =
      Number.isInteger(intensity) &&
      intensity > 0 &&
      (this.mode === 'historic' ? intensity <= 99 : intensity % 5 === 0 && intensity <= 495);
    if (!valid) {
      throw new RangeError(
        this.mode === 'historic'
          ? `intensitySubscribedA must be a whole 1..99 A, got ${intensity}`
          : `intensitySubscribedA must be a multiple of 5 A (1 kVA) up to 495 A, got ${intensity}`,
      );
    }
  }

  /** Indexes of the subscription's tariffs, in whole Wh as the meter shows them. */
  get indexesWh(): Partial<Record<TariffId, number>> {
    const indexes: Partial<Record<TariffId, number>> = {};
    for (const [tariff, milliWh] of this.milliWh) indexes[tariff] = Math.floor(milliWh / 1000);
    return indexes;
  }

  /** The tariff in force at the instant, by this meter's calendar. */
  tariffAt(instant: Date): TariffId {
    // A step asks for the same instants several times (decide, consume, the frame at its end,
    // which is the next step's start); placing an instant in its zone is the costly part.
    const time = instant.getTime();
    const known = this.recentTariffs.find((entry) => entry.time === time);
    if (known) return known.tariff;
    const tariff = currentTariff(instant, this.options);
    this.recentTariffs.unshift({ time, tariff });
    this.recentTariffs.length = Math.min(this.recentTariffs.length, 2);
    return tariff;
  }

  /** Consumes energy at the instant: adds it to the index of the tariff in force. */
  consume(instant: Date, energyWh: number): void {
    if (!Number.isFinite(energyWh) || energyWh < 0) {
      throw new RangeError(`energy consumed must be ≥ 0 Wh, got ${energyWh}`);
    }
    const tariff = this.tariffAt(instant);
    this.milliWh.set(tariff, (this.milliWh.get(tariff) ?? 0) + Math.round(energyWh * 1000));
  }

  /** Instant readings for the TIC: apparent power (VA) and intensity (A) of the last period. */
  setLoad(apparentPowerVa: number): void {
    if (!Number.isFinite(apparentPowerVa) || apparentPowerVa < 0) {
      throw new RangeError(`apparent power must be ≥ 0 VA, got ${apparentPowerVa}`);
    }
    this.apparentPowerVa = apparentPowerVa;
  }

  /** The TIC labels of a frame at the instant, in the order the meter sends them. */
  labels(instant: Date): Record<string, string> {
    return this.mode === 'historic' ? this.historicLabels(instant) : this.standardLabels(instant);
  }

  /** The same frame as raw text with correct checksums: STX, each line LF … CR, ETX. */
  frame(instant: Date): string {
    const lines = Object.entries(this.labels(instant)).map(([label, value]) => {
      if (this.mode === 'standard') {
        // CPT_54E checksum mode 2: the HT before the checksum is summed.
        const covered = label + HT + value + HT;
        return covered + checksumOf(covered);
      }
      // CPT_02E: LABEL SP VALUE is summed, not the SP before the checksum.
      const covered = label + SP + value;
      return covered + SP + checksumOf(covered);
    });
    return STX + lines.map((line) => LF + line + CR).join('') + ETX;
  }

  private intensityA(): number {
    return this.apparentPowerVa / VOLTS;
  }

  private historicLabels(instant: Date): Record<string, string> {
    const subscription = this.options.subscription as keyof typeof OPTARIF;
    const labels: Record<string, string> = {
      ADCO: this.meterId,
      OPTARIF: OPTARIF[subscription],
      ISOUSC: measureField(this.intensitySubscribedA, 2),
    };
    const indexes = this.indexesWh;
    for (const tariff of this.tariffs) {
      const label = HISTORIC_INDEX_LABELS[tariff];
      if (label) labels[label] = indexField(indexes[tariff] ?? 0);
    }
    // PTEC is four characters, dot-padded: TH.., HC.., HN.., PM.., HCJB.
    labels.PTEC = this.tariffAt(instant).toUpperCase().padEnd(4, '.');
    labels.IINST = measureField(this.intensityA(), 3);
    labels.PAPP = measureField(this.apparentPowerVa, 5);
    return labels;
  }

  private standardLabels(instant: Date): Record<string, string> {
    const tariff = this.tariffAt(instant);
    const indexes = this.indexesWh;
    // A historic contract on a standard TIC: its tariffs fill the supplier's registers in the
    // guide's order (Tempo: EASF01 HCJB … EASF06 HPJR, as EDF maps them).
    const supplierIndexes = Array.from({ length: 10 }, (_, index) => {
      const registerTariff = this.tariffs[index];
      return registerTariff === undefined ? 0 : (indexes[registerTariff] ?? 0);
    });
    const tariffNumber = this.tariffs.indexOf(tariff) + 1;
    const labels: Record<string, string> = {
      ADSC: this.meterId,
      NGTF: textField(CALENDAR_NAMES[this.options.subscription]),
      LTARF: textField(TARIFF_NAMES[tariff] ?? `TARIF ${tariffNumber}`),
      EAST: indexField(supplierIndexes.reduce((sum, wh) => sum + wh, 0)),
    };
    supplierIndexes.forEach((wh, index) => {
      labels[`EASF${String(index + 1).padStart(2, '0')}`] = indexField(wh);
    });
    labels.IRMS1 = measureField(this.intensityA(), 3);
    labels.PREF = measureField(this.intensitySubscribedA / 5, 2);
    labels.SINSTS = measureField(this.apparentPowerVa, 5);
    labels.NTARF = measureField(tariffNumber, 2);
    return labels;
  }
}

/** A virtual electric vehicle for the simulator: a battery behind an on-board charger. */

/** What the car is made of; every field has a default. */
export interface CarOptions {
  /** Usable battery capacity, kWh (default 60). */
  batteryKwh?: number;
  /** State of charge at the start, 0..1 (default 0.3). */
  stateOfCharge?: number;
  /** Most the on-board charger takes on the M3 (Type 2) socket, kW (default 7.4: 32 A mono). */
  maxPowerM3Kw?: number;
  /** Most the car takes on the M2 (domestic) socket, kW (default 2.3: 10 A, the cable's limit). */
  maxPowerM2Kw?: number;
}

/** State of charge above which the power tapers. */
const TAPER_START = 0.8;
/** Share of the power left at 100 %. */
const TAPER_END_SHARE = 0.1;
/** d(share)/d(state of charge) in the taper: from 1 at 80 % down to 0.1 at 100 %. */
const TAPER_SLOPE = (1 - TAPER_END_SHARE) / (1 - TAPER_START);

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a number ≥ 0, got ${value}`);
  }
  return value;
}

function stateOfChargeOf(value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`stateOfCharge must be within 0..1, got ${value}`);
  }
  return value;
}

/**
 * A car that takes what a socket offers up to its own limit, at full power up to 80 % and
 * tapering linearly to 10 % of it at 100 %. Energy taken is energy stored (no charging losses).
 */
export class VirtualCar {
  readonly batteryKwh: number;
  stateOfCharge: number;
  private readonly maxPowerKw: Readonly<Record<'m3' | 'm2', number>>;

  constructor(options: CarOptions = {}) {
    this.batteryKwh = positive('batteryKwh', options.batteryKwh ?? 60);
    this.stateOfCharge = stateOfChargeOf(options.stateOfCharge ?? 0.3);
    this.maxPowerKw = {
      m3: positive('maxPowerM3Kw', options.maxPowerM3Kw ?? 7.4),
      m2: positive('maxPowerM2Kw', options.maxPowerM2Kw ?? 2.3),
    };
  }

  /** Whether the battery is full (a full car draws nothing: the station sees SuspendedEV). */
  get full(): boolean {
    return this.stateOfCharge >= 1;
  }

  /**
   * Charges for a duration at up to the offered power on a socket; returns the energy taken in
   * Wh (less near full: above 80 % the power tapers linearly to 10 % at 100 %).
   */
  charge(socket: 'm3' | 'm2', offeredKw: number, seconds: number): number {
    nonNegative('offeredKw', offeredKw);
    nonNegative('seconds', seconds);
    // stateOfCharge is writable: a value set from outside is checked before it is used.
    const start = stateOfChargeOf(this.stateOfCharge);
    const powerKw = Math.min(offeredKw, this.maxPowerKw[socket]);
    if (powerKw === 0 || seconds === 0 || start >= 1) return 0;

    const end = this.stateAfter(start, powerKw, seconds / 3600);
    this.stateOfCharge = end;
    return (end - start) * this.batteryKwh * 1000;
  }

  /** State of charge after charging `hours` at `powerKw` from `start`, taper included. */
  private stateAfter(start: number, powerKw: number, hours: number): number {
    // Full power up to the taper: the state of charge rises linearly.
    const rate = powerKw / this.batteryKwh; // state of charge per hour at full power
    const hoursToTaper = Math.max(0, (TAPER_START - start) / rate);
    if (hours <= hoursToTaper) return start + rate * hours;

    // In the taper the power is share(s) × P with share(s) = 1 − k (s − 0.8), so
    // ds/dt = rate × share and share(t) = share₀ × e^(−k × rate × t): solved exactly, so that
    // many short steps and one long one give the same energy.
    const taperStart = Math.max(start, TAPER_START);
    const shareAtStart = 1 - TAPER_SLOPE * (taperStart - TAPER_START);
    const hoursInTaper = hours - hoursToTaper;
    const hoursToFull = Math.log(shareAtStart / TAPER_END_SHARE) / (TAPER_SLOPE * rate);
    if (hoursInTaper >= hoursToFull) return 1;
    const share = shareAtStart * Math.exp(-TAPER_SLOPE * rate * hoursInTaper);
    return Math.min(1, TAPER_START + (1 - share) / TAPER_SLOPE);
  }
}

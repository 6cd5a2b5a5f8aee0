/** Simulated time shared by every virtual device: a start date and a speed factor. */
export class SimClock {
  private readonly realStart = Date.now();

  constructor(
    readonly start: Date,
    readonly speed: number,
  ) {
    if (!(speed >= 1 && speed <= 3600)) throw new RangeError('speed must be between 1 and 3600');
  }

  now(): Date {
    return new Date(this.start.getTime() + (Date.now() - this.realStart) * this.speed);
  }

  /** Real milliseconds for a span of simulated milliseconds. */
  real(simulatedMs: number): number {
    return simulatedMs / this.speed;
  }
}

// What other rooms may use of sim.
export { VirtualCar } from './car.js';
export { SimClock } from './clock.js';
export { carAtHome, houseLoad, localHour, localWeekday } from './household.js';
export { type LinkyOptions, VirtualLinky } from './linky.js';
export { controlServer, Simulation } from './simulation.js';
export { type StationKind, VirtualStation } from './station.js';

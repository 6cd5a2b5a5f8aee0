// OCPP 1.6J message types and the Witty profile: pure, shared by gateway, stations and sim.
export * from './ocpp-messages.js';
export * from './witty-profile.js';

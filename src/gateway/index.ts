// What other rooms may use of gateway.
export { OCPP_PATH, OcppGateway } from './ocpp-gateway.js';

/**
 * How commands reach stations, wherever their connection is held: the OCPP gateway of this
 * process implements it; a NATS implementation routes calls between nodes.
 */

/** A CALL could not reach the station: it has no open connection here. */
export class StationNotConnectedError extends Error {
  constructor(readonly uid: string) {
    super(`station ${uid} is not connected`);
    this.name = 'StationNotConnectedError';
  }
}

/** The station did not answer a CALL in time, or the connection closed before it did. */
export class StationCallTimeoutError extends Error {
  constructor(
    readonly uid: string,
    readonly action: string,
    cause: unknown,
  ) {
    super(
      `station ${uid} did not answer ${action} (${cause instanceof Error ? cause.message : String(cause)})`,
    );
    this.name = 'StationCallTimeoutError';
  }
}

/** Sends CALLs to stations, wherever their connection is held (one process, or NATS later). */
export interface StationCommandBus {
  /** Resolves with the station's CALLRESULT payload; rejects on CALLERROR, time-out or no connection. */
  call<T = unknown>(uid: string, action: string, payload: object, timeoutMs: number): Promise<T>;
}

import ocppRpc from 'ocpp-rpc';

const { RPCClient } = ocppRpc;

type Handler = (params: Record<string, unknown>) => object | Promise<object>;

/** A CALL the platform sent to the test station. */
export interface ReceivedCall {
  action: string;
  params: Record<string, unknown>;
}

export interface TestStationOptions {
  url: string;
  uid: string;
  password: string;
  /** A generic charger: no Witty configuration keys. */
  generic?: boolean;
  /** A generic charger with the OCPP 1.6 SmartCharging profile (SetChargingProfile…). */
  smartCharging?: boolean;
  protocols?: string[];
}

/**
 * A charging station for tests: a real OCPP 1.6J client (ocpp-rpc, strict mode) that records
 * the platform's CALLs and answers them like a station would.
 */
export class TestStation {
  readonly client: InstanceType<typeof RPCClient>;
  readonly received: ReceivedCall[] = [];
  /** Witty configuration as the station holds it. */
  readonly configuration = new Map<string, string>();
  /** Answers to give, by action; default answers otherwise. */
  readonly answers = new Map<string, Handler>();
  private waiters: { action: string; resolve: (call: ReceivedCall) => void }[] = [];

  constructor(private readonly options: TestStationOptions) {
    this.client = new RPCClient({
      endpoint: `${options.url}/ocpp`,
      identity: options.uid,
      password: options.password,
      protocols: options.protocols ?? ['ocpp1.6'],
      strictMode: true,
      reconnect: false,
    } as ConstructorParameters<typeof RPCClient>[0]);
    if (!options.generic) {
      this.configuration.set('WittyChargeMode', 'immediate');
      this.configuration.set('WittyLedPower', '100');
      for (let n = 1; n <= 10; n++) this.configuration.set(`WittyTariff${n}`, n % 2 ? 'hc' : 'hp');
    }
    if (options.generic) {
      this.configuration.set(
        'SupportedFeatureProfiles',
        options.smartCharging ? 'Core,SmartCharging' : 'Core,RemoteTrigger',
      );
    }
    for (const action of [
      'GetConfiguration',
      'ChangeConfiguration',
      'RemoteStartTransaction',
      'RemoteStopTransaction',
      // Without SmartCharging these are not handled: ocpp-rpc answers NotImplemented.
      ...(options.smartCharging ? ['SetChargingProfile', 'ClearChargingProfile'] : []),
    ]) {
      this.client.handle(action, async ({ params }) => {
        const call = { action, params: params as Record<string, unknown> };
        this.received.push(call);
        const answer = this.answers.get(action);
        const result = answer ? await answer(call.params) : this.defaultAnswer(call);
        for (const waiter of this.waiters.filter((w) => w.action === action)) waiter.resolve(call);
        this.waiters = this.waiters.filter((w) => w.action !== action);
        return result;
      });
    }
  }

  private defaultAnswer({ action, params }: ReceivedCall): object {
    switch (action) {
      case 'GetConfiguration': {
        const keys = (params.key as string[] | undefined) ?? [...this.configuration.keys()];
        return {
          configurationKey: keys
            .filter((key) => this.configuration.has(key))
            .map((key) => ({ key, readonly: false, value: this.configuration.get(key) })),
          unknownKey: keys.filter((key) => !this.configuration.has(key)),
        };
      }
      case 'ChangeConfiguration': {
        const key = String(params.key);
        if (!this.configuration.has(key) || key === 'SupportedFeatureProfiles')
          return { status: 'NotSupported' };
        this.configuration.set(key, String(params.value));
        return { status: 'Accepted' };
      }
      default:
        return { status: 'Accepted' };
    }
  }

  /** Resolves with the next CALL of an action (or the one already received, if any is unclaimed). */
  nextCall(action: string): Promise<ReceivedCall> {
    return new Promise((resolve) => this.waiters.push({ action, resolve }));
  }

  /** A station of the device `uid`, connected to the platform at `url` and booted. */
  static async online(
    url: string,
    device: { uid: string; password: string },
  ): Promise<TestStation> {
    const station = new TestStation({ url, uid: device.uid, password: device.password });
    await station.connect();
    await station.boot();
    return station;
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async boot(): Promise<{ status: string; interval: number; currentTime: string }> {
    const configurationRead = this.nextCall('GetConfiguration');
    const response = (await this.client.call('BootNotification', {
      chargePointVendor: this.options.generic ? 'Generic' : 'Hager',
      chargePointModel: this.options.generic ? 'AC22' : 'XEV1R22',
      firmwareVersion: '1.2.3',
    })) as { status: string; interval: number; currentTime: string };
    await configurationRead;
    // Let the platform store what it read.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return response;
  }

  status(
    connectorId: number,
    status: string,
    extra: Record<string, unknown> = {},
  ): Promise<unknown> {
    return this.client.call('StatusNotification', {
      connectorId,
      status,
      errorCode: 'NoError',
      ...extra,
    });
  }

  heartbeat(): Promise<unknown> {
    return this.client.call('Heartbeat', {});
  }

  async startTransaction(
    connectorId: number,
    meterStart: number,
    timestamp: string,
    idTag = 'TAG1',
  ): Promise<number> {
    const response = (await this.client.call('StartTransaction', {
      connectorId,
      idTag,
      meterStart,
      timestamp,
    })) as {
      transactionId: number;
    };
    return response.transactionId;
  }

  meterValues(
    connectorId: number,
    transactionId: number | undefined,
    timestamp: string,
    energyWh: number,
    powerW?: number,
  ): Promise<unknown> {
    return this.client.call('MeterValues', {
      connectorId,
      ...(transactionId === undefined ? {} : { transactionId }),
      meterValue: [
        {
          timestamp,
          sampledValue: [
            { value: String(energyWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            ...(powerW === undefined
              ? []
              : [{ value: String(powerW), measurand: 'Power.Active.Import', unit: 'W' }]),
          ],
        },
      ],
    });
  }

  stopTransaction(
    transactionId: number,
    meterStop: number,
    timestamp: string,
    reason = 'Local',
  ): Promise<unknown> {
    return this.client.call('StopTransaction', { transactionId, meterStop, timestamp, reason });
  }

  dataTransfer(messageId: string, data: unknown, vendorId = 'fr.hager.witty'): Promise<unknown> {
    return this.client.call('DataTransfer', { vendorId, messageId, data: JSON.stringify(data) });
  }

  async close(): Promise<void> {
    await this.client.close({ force: true });
  }
}

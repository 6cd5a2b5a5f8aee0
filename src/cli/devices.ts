import type { Config } from '../config.js';
import { print, required, UsageError, type Options } from './options.js';
import { withPlatform } from './platform.js';

/** `witty devices provision`: adds one station to the device registry, or many for load tests. */
export async function provisionDevices(config: Config, options: Options): Promise<number> {
  if (options.count === undefined) {
    const serialNumber = required(options, 'serial');
    return withPlatform(config, async (platform) => {
      print(
        await platform.devices.provision({
          serialNumber,
          ...(typeof options.uid === 'string' ? { uid: options.uid } : {}),
          ...(typeof options.password === 'string' ? { password: options.password } : {}),
          ...(typeof options.mac === 'string' ? { macAddress: options.mac } : {}),
        }),
      );
      return 0;
    });
  }
  const count = Number(options.count);
  if (!Number.isInteger(count) || count < 1 || count > 100_000) {
    throw new UsageError('--count must be a whole number from 1 to 100000');
  }
  const prefix = String(options.prefix ?? '');
  if (!/^[A-Za-z0-9]{1,16}$/.test(prefix)) {
    throw new UsageError('--prefix must be 1 to 16 letters or digits');
  }
  return withPlatform(config, async (platform) => {
    // A CSV that witty sim --devices reads.
    process.stdout.write('uid,password\n');
    for (let i = 1; i <= count; i++) {
      const name = `${prefix}${String(i).padStart(6, '0')}`;
      const device = await platform.devices.provision({ uid: name, serialNumber: name });
      process.stdout.write(`${device.uid},${device.password}\n`);
    }
    return 0;
  });
}

/** `witty devices list`: the device registry. */
export async function listDevices(config: Config): Promise<number> {
  return withPlatform(config, async (platform) => {
    print(await platform.devices.list());
    return 0;
  });
}

import type { Config } from '../config.js';
import { daysOf, portOf, speedOf, StartError, type Options } from './options.js';
import { serve } from './serve.js';

/**
 * `witty demo`: the platform with three demo homes live, their history filled in the background
 * on the first run (each home's station goes live once its history is in).
 */
export async function demo(config: Config, options: Options): Promise<number> {
  const speed = speedOf(options, 120);
  const controlPort = portOf(options['control-port'], config.port + 1);
  const days = daysOf(options, 90);
  return serve(config, async (app) => {
    const [{ startDemo, DEMO_ADMIN, DEMO_OWNER }, { controlServer }] = await Promise.all([
      import('../demo/index.js'),
      import('../sim/index.js'),
    ]);
    const demo = await startDemo(app, config, {
      speed,
      historyDays: days,
      progress: (message) => process.stdout.write(`${message}\n`),
    });
    // The history goes on in the background; a failure of it is told, the platform stays up.
    demo.history.catch((error: unknown) =>
      process.stderr.write(`The demo's history stopped: ${String(error)}\n`),
    );
    const control = await controlServer(demo.simulation);
    try {
      await control.listen({ port: controlPort, host: config.host });
    } catch (error) {
      await demo.stop();
      throw new StartError(
        `the simulator's control port ${controlPort} is not free (${String(error)})`,
      );
    }
    const controlUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${controlPort}`;
    process.stdout.write(
      [
        'Witty-Home demo',
        `  Portal       ${config.publicUrl}/  (API reference: ${config.publicUrl}/docs)`,
        `  Owner login  ${DEMO_OWNER.email} / ${DEMO_OWNER.password}`,
        `  Admin login  ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}  (${config.publicUrl}/signin)`,
        `  Mailbox      ${config.publicUrl}/mailbox${config.portal.openMailbox ? '  (every mail sent, no mail server needed)' : ''}`,
        `  API key      ${demo.apiKey}`,
        `  Sim control  ${controlUrl}/stations  (virtual time ×${speed})`,
        '  Try:',
        `    curl -H "Ocp-Apim-Subscription-Key: ${demo.apiKey}" -H "Authorization: Bearer ${demo.accessToken}" ${config.publicUrl}${demo.stationPath}`,
        '',
      ].join('\n'),
    );
    return async () => {
      await demo.stop();
      await control.close();
    };
  });
}

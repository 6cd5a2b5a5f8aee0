import type { TestApp } from './test-app.js';

/** Creates an installation for the token's owner; its id. */
export async function anInstallation(
  t: TestApp,
  token: string,
  body: { name?: string; locationName?: string } = {},
): Promise<number> {
  const response = await t.api('POST', '/v1/installations', {
    token,
    body: {
      name: body.name ?? 'Maison',
      locationName: body.locationName ?? 'Paris',
      locationGpsCoordinates: { latitude: 48.85, longitude: 2.35 },
    },
  });
  return response.json().installationId as number;
}

/** An installation with a provisioned device associated: paths and the device's credentials. */
export async function aHome(
  t: TestApp,
  token: string,
  options: { serialNumber: string; timezone?: string; uid?: string },
) {
  const installationId = await anInstallation(t, token);
  const device = await t.app.platform.devices.provision({
    serialNumber: options.serialNumber,
    ...(options.uid ? { uid: options.uid } : {}),
  });
  const associated = await t.api('POST', `/v1/installations/${installationId}/charging-stations`, {
    token,
    body: {
      uid: device.uid,
      timezone: options.timezone ?? 'Romance Standard Time',
      country: 'fr-fr',
    },
  });
  if (associated.statusCode !== 201) throw new Error(`association failed: ${associated.body}`);
  const stationId = associated.json().id as string;
  const [meter] = (
    await t.api('GET', `/v1/installations/${installationId}/grid-meters`, { token })
  ).json();
  return {
    installationId,
    stationId,
    device,
    stationPath: `/v1/installations/${installationId}/charging-stations/${stationId}`,
    meterId: (meter as { id: string }).id,
    meterPath: `/v1/installations/${installationId}/grid-meters/${(meter as { id: string }).id}`,
  };
}

/** Follows a command's Location until the station's answer is recorded. */
export async function settled(t: TestApp, token: string, location: string) {
  for (let i = 0; i < 150; i++) {
    const command = (await t.api('GET', location, { token })).json();
    if (command.status !== 'pending') return command;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`command ${location} still pending`);
}

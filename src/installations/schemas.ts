import { Type, type Static } from 'typebox';

const example = {
  installationId: 33,
  externalId: 'XEVFR-myBoxSerialNumber',
  applicationCode: 'flowEvcs',
  name: 'Mon installation Witty-Home',
  locationName: 'Bordeaux',
  locationGpsCoordinates: { latitude: 44.8, longitude: -0.6 },
};

const Text = (description: string) =>
  Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description });

export const GpsCoordinatesSchema = Type.Object(
  {
    latitude: Type.Number({
      minimum: -90,
      maximum: 90,
      description: 'Latitude in degrees (WGS 84)',
    }),
    longitude: Type.Number({
      minimum: -180,
      maximum: 180,
      description: 'Longitude in degrees (WGS 84)',
    }),
  },
  { additionalProperties: false },
);

export const InstallationSchema = Type.Object(
  {
    installationId: Type.Integer({ description: 'Numeric identifier of the installation' }),
    externalId: Type.Union([Type.String(), Type.Null()], {
      description:
        'XEVFR-{serialNumber} of the associated charging station, null before association',
    }),
    applicationCode: Type.String({ description: 'Product type; flowEvcs for Witty-Home' }),
    name: Type.String(),
    locationName: Type.String({ description: 'City where the installation is' }),
    locationGpsCoordinates: GpsCoordinatesSchema,
  },
  { $id: 'Installation', examples: [example] },
);
export type Installation = Static<typeof InstallationSchema>;

export const InstallationInputSchema = Type.Object(
  {
    name: Text('Custom name of the installation'),
    locationName: Text('City where the installation is'),
    locationGpsCoordinates: GpsCoordinatesSchema,
  },
  {
    additionalProperties: false,
    examples: [
      {
        name: example.name,
        locationName: example.locationName,
        locationGpsCoordinates: example.locationGpsCoordinates,
      },
    ],
  },
);
export type InstallationInput = Static<typeof InstallationInputSchema>;

export const InstallationParamsSchema = Type.Object({
  installationId: Type.Integer({
    minimum: 1,
    maximum: 2147483647,
    description: 'Installation identifier',
  }),
});

import { Type, type Static } from 'typebox';
import { Enum, Nullable } from '../http/schemas.js';
import { InstallationParamsSchema } from '../installations/index.js';
import { MAIL_CULTURES } from '../mail/index.js';

const Email = (description: string) =>
  Type.String({ format: 'email', minLength: 3, maxLength: 254, description });

export const InvitationInputSchema = Type.Object(
  {
    email: Email("The installer's e-mail address"),
    cultureCode: Enum(MAIL_CULTURES, 'Language of the invitation e-mail'),
  },
  {
    additionalProperties: false,
    examples: [{ email: 'myinstaller@example.com', cultureCode: 'fr-FR' }],
  },
);
export type InvitationInput = Static<typeof InvitationInputSchema>;

export const InvitationStatusSchema = Type.Object(
  {
    email: Type.String({ description: 'Address the invitation was sent to' }),
    installationName: Type.String(),
    installationId: Type.Integer(),
    expirationDate: Type.String({
      format: 'date-time',
      description: 'When the activation code stops working (UTC)',
    }),
  },
  {
    $id: 'InvitationStatus',
    examples: [
      {
        email: 'myinstaller@example.com',
        installationName: 'my Home charging station',
        installationId: 33,
        expirationDate: '2022-10-17T15:56:00Z',
      },
    ],
  },
);
export type InvitationStatus = Static<typeof InvitationStatusSchema>;

export const AUTHORIZATION_GROUPS = [
  'ownerActive',
  'installerActive',
  'installerInactive',
] as const;

export const InstallationUserSchema = Type.Object(
  {
    accountId: Type.String({ format: 'uuid', description: 'Account identifier (GUID)' }),
    accountFirstName: Nullable(Type.String(), 'First name, null when the account has none'),
    accountLastName: Nullable(Type.String(), 'Last name, null when the account has none'),
    accountEmail: Type.String(),
    authorizationGroups: Type.Array(Enum(AUTHORIZATION_GROUPS)),
    roleCode: Enum(['owner', 'installer'] as const),
    enabled: Type.Boolean({ description: 'False for an installer the owner disabled' }),
  },
  {
    $id: 'InstallationUser',
    examples: [
      {
        accountId: '123456e6-1234-4c80-ad73-7c445d23f500',
        accountFirstName: 'Alice',
        accountLastName: 'Martin',
        accountEmail: 'alice@example.com',
        authorizationGroups: ['ownerActive'],
        roleCode: 'owner',
        enabled: true,
      },
    ],
  },
);
export type InstallationUser = Static<typeof InstallationUserSchema>;

export const InvitationParamsSchema = Type.Object({
  ...InstallationParamsSchema.properties,
  email: Email('Address of the pending invitation'),
});

export const UserParamsSchema = Type.Object({
  ...InstallationParamsSchema.properties,
  accountId: Type.String({ format: 'uuid', description: 'Account identifier (GUID)' }),
});

export const ActivationParamsSchema = Type.Object({
  activationCode: Type.String({
    minLength: 1,
    maxLength: 128,
    pattern: '^[A-Za-z0-9_-]+$',
    description: 'The activation code of the invitation e-mail',
  }),
});

import { Type, type Static } from 'typebox';

/** An account's notification settings. */
export const NotificationSettingsSchema = Type.Object(
  {
    stationErrorEmails: Type.Boolean({
      description:
        'Whether the owner gets an e-mail when one of their charging stations raises an error (Offline included) and when it clears; true by default',
    }),
  },
  {
    $id: 'NotificationSettings',
    additionalProperties: false,
    examples: [{ stationErrorEmails: true }],
  },
);
export type NotificationSettings = Static<typeof NotificationSettingsSchema>;

/** The body of PUT /v1/account/notification-settings: the whole settings. */
export const NotificationSettingsInputSchema = Type.Object(
  { stationErrorEmails: NotificationSettingsSchema.properties.stationErrorEmails },
  { additionalProperties: false, examples: [{ stationErrorEmails: false }] },
);

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { described, problemResponses, refTo } from '../http/schemas.js';
import { callerOf } from '../identity/index.js';
import { NotificationSettingsInputSchema, type NotificationSettings } from './schemas.js';
import type { NotificationSettingsService } from './settings.js';

const SettingsRef = refTo<NotificationSettings>('NotificationSettings');
const path = '/account/notification-settings';

/** The caller's notification settings: owner alerts by e-mail on or off. */
export const notificationSettingsRoutes: FastifyPluginAsyncTypebox<{
  settings: NotificationSettingsService;
}> = async (app, { settings }) => {
  const tags = ['Notifications'];

  app.get(
    path,
    {
      schema: {
        tags,
        operationId: 'getNotificationSettings',
        summary: "Get the caller's notification settings",
        description:
          'Whether station error alerts are e-mailed to the caller (as the owner of installations).',
        response: {
          200: described(SettingsRef, 'The settings'),
          ...problemResponses(401, 403, 429),
        },
      },
    },
    async (request) => settings.get(callerOf(request)),
  );

  app.put(
    path,
    {
      schema: {
        tags,
        operationId: 'updateNotificationSettings',
        summary: "Change the caller's notification settings",
        description:
          'With stationErrorEmails false, no station error or clearing is e-mailed to the caller; alerts already queued are still sent.',
        body: NotificationSettingsInputSchema,
        response: {
          200: described(SettingsRef, 'The settings now in force'),
          ...problemResponses(400, 401, 403, 415, 429),
        },
      },
    },
    async (request) => settings.update(callerOf(request), request.body),
  );
};

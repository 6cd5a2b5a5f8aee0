/** The languages mails are written in (the guide's invitation cultureCode values). */
export const MAIL_CULTURES = ['en-GB', 'fr-FR', 'de-DE'] as const;
export type MailCulture = (typeof MAIL_CULTURES)[number];

/** A station error raised, or cleared (back to NoError, or Offline ended). */
export interface StationErrorMessage {
  kind: 'stationError';
  to: string;
  culture: MailCulture;
  installationName: string;
  /** The station's friendlyName, or its uid. */
  stationName: string;
  state: 'raised' | 'cleared';
  /** The guide's error code raised, or the one that cleared. */
  code: number;
  /** When it happened (ISO 8601). */
  at: string;
  /** IANA time zone the date is shown in (the installation's). */
  timeZone: string;
}

/** Every mail the platform sends; `to` is the recipient's address. */
export type MailMessage =
  | {
      kind: 'invitation';
      to: string;
      culture: MailCulture;
      installationName: string;
      /** May be empty (an account without names): the mail then names no inviter. */
      inviterName: string;
      activationCode: string;
      link: string;
      /** ISO 8601. */
      expirationDate: string;
    }
  | {
      kind: 'invitationAccepted';
      to: string;
      culture: MailCulture;
      installationName: string;
      /** May be empty: the mail names the installer by e-mail address then. */
      installerName: string;
      installerEmail: string;
    }
  | {
      kind: 'installerRemoved';
      to: string;
      culture: MailCulture;
      installationName: string;
      installerName: string;
      installerEmail: string;
    }
  | StationErrorMessage;

export type MailKind = MailMessage['kind'];

/** The mail culture of a station's `culture` (en-gb | fr-fr | de-de); anything else en-GB. */
export function mailCultureOf(stationCulture: string | null | undefined): MailCulture {
  switch (stationCulture?.toLowerCase()) {
    case 'fr-fr':
      return 'fr-FR';
    case 'de-de':
      return 'de-DE';
    default:
      return 'en-GB';
  }
}

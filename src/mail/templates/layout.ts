import type { MailCulture } from '../messages.js';

/** Time zone of dates in mails that carry no installation zone. */
export const DEFAULT_MAIL_TIME_ZONE = 'Europe/Paris';

/** Time zone of the developer portal's dates: its developers may live anywhere. */
export const PORTAL_MAIL_TIME_ZONE = 'UTC';

/** One block of a mail's body. */
export type Block =
  /** A paragraph: whole sentences. */
  | string
  /** A link, shown as a button in HTML and as its address in text. */
  | { link: string; label: string }
  /** A code to copy, set apart. */
  | { code: string }
  /** Small print at the end. */
  | { note: string };

/** A mail's words in one language: its subject and its body. */
export interface MailContent {
  subject: string;
  blocks: Block[];
}

/**
 * How a template puts a value into its sentences: as it is in the text part, escaped (and
 * emphasised) in the HTML part. A template is called once with each.
 */
export interface Put {
  (value: string): string;
  /** The same without emphasis, for a value that is not the point of its sentence (a name in a greeting). */
  plain(value: string): string;
}

/** A mail rendered: what is stored and sent. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const asText: Put = Object.assign((value: string) => value, { plain: (value: string) => value });
const asHtml: Put = Object.assign((value: string) => `<strong>${escapeHtml(value)}</strong>`, {
  plain: escapeHtml,
});

/** A date as people of the culture write it, in the given zone ("12 December 2026 at 14:30"). */
export function formatDate(iso: string, culture: MailCulture, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat(culture, { timeZone: zone });
  } catch {
    zone = DEFAULT_MAIL_TIME_ZONE;
  }
  return new Intl.DateTimeFormat(culture, {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: zone,
  }).format(date);
}

/** "Name (address)", or the address alone when the account has no name. */
export function nameOrAddress(name: string, address: string): string {
  const trimmed = name.trim();
  return trimmed === '' ? address : `${trimmed} (${address})`;
}

/** French typography: a no-break space inside « » and before : ; ? ! */
function typeset(culture: MailCulture, content: MailContent): MailContent {
  if (culture !== 'fr-FR') return content;
  const french = (text: string) =>
    text
      .replace(/« /g, '«\u00a0')
      .replace(/ »/g, '\u00a0»')
      .replace(/ ([:;?!])/g, '\u00a0$1');
  return {
    subject: french(content.subject),
    blocks: content.blocks.map((block) =>
      typeof block === 'string'
        ? french(block)
        : 'note' in block
          ? { note: french(block.note) }
          : block,
    ),
  };
}

function textOf(content: MailContent): string {
  const parts = content.blocks.map((block) => {
    if (typeof block === 'string') return block;
    if ('link' in block) return block.link;
    if ('code' in block) return `    ${block.code}`;
    return `--\n${block.note}`;
  });
  return `${parts.join('\n\n')}\n`;
}

function htmlOf(content: MailContent, culture: MailCulture, subject: string): string {
  const body = content.blocks
    .map((block) => {
      if (typeof block === 'string') return `<p style="margin:0 0 16px">${block}</p>`;
      if ('link' in block) {
        const href = escapeHtml(block.link);
        return (
          `<p style="margin:0 0 16px"><a href="${href}" style="display:inline-block;padding:10px 18px;` +
          `background:#0b5cad;color:#ffffff;text-decoration:none;border-radius:4px">${escapeHtml(block.label)}</a></p>` +
          `<p style="margin:0 0 16px;font-size:13px;word-break:break-all"><a href="${href}" style="color:#0b5cad">${href}</a></p>`
        );
      }
      if ('code' in block)
        return `<p style="margin:0 0 16px;font-family:monospace;font-size:18px;letter-spacing:1px;word-break:break-all">${escapeHtml(block.code)}</p>`;
      return `<p style="margin:24px 0 0;font-size:12px;color:#666666">${block.note}</p>`;
    })
    .join('\n');
  return [
    '<!DOCTYPE html>',
    `<html lang="${culture}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f5f7">',
    '<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#222222">',
    body,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Renders a template: its sentences are written once per language, with the values put in
 * as they are (text part) or escaped (HTML part).
 */
export function render(culture: MailCulture, template: (put: Put) => MailContent): RenderedMail {
  const text = typeset(culture, template(asText));
  const html = typeset(culture, template(asHtml));
  return { subject: text.subject, text: textOf(text), html: htmlOf(html, culture, text.subject) };
}

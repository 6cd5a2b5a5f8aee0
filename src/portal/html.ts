/** Markup that is already safe to put in a page: built by `markup`, or trusted by `raw`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element or a quoted attribute. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false || part === true) return '';
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return (part as readonly Part[]).map(render).join('');
  return escapeText(String(part));
}

/**
 * A page fragment (a name the formatter leaves alone, so that whitespace in <pre> and
 * <textarea> stays as written): every interpolated value is escaped unless it is itself `SafeHtml`, so what a
 * user typed can never become markup. Arrays are joined; null, undefined and booleans vanish.
 */
export function markup(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, n) => {
    out += render(value) + strings[n + 1]!;
  });
  return new SafeHtml(out);
}

/** Markup the code wrote itself (never user input). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

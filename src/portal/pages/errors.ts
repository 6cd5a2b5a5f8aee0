import { markup } from '../html.js';
import { page, type PageContext } from '../layout.js';

/** A page that says why there is nothing to show: not found, not allowed, expired form. */
export function messagePage(ctx: PageContext, title: string, text: string): string {
  return page(ctx, {
    title,
    narrow: true,
    body: markup`<h1>${title}</h1>
      <p>${text}</p>
      <p><a href="/">${ctx.t.navHome}</a></p>`,
  });
}

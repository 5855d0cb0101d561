// What a browser does with the hosted page's HTML, shared by the browser over inject()
// (test/checkout/hosted-page-support.ts) and the one over real HTTP (http-browser.ts): read a form's action
// and hidden fields, and keep the cookies the page sets.

/** Undoes the hosted page's escaping (services/http/html.ts), `&amp;` last. */
export function decodeEntities(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&#96;", "`")
    .replaceAll("&amp;", "&");
}

/** The action of the form `formId` on `page`; throws with the page when it has no such form. */
export function formAction(page: string, formId: string): string {
  const form = new RegExp(`<form method="post" action="([^"]+)"[^>]*id="${formId}"[^>]*>`).exec(page);
  if (!form?.[1]) throw new Error(`no form ${formId} on the last page:\n${page.slice(0, 2000)}`);
  return decodeEntities(form[1]);
}

/** The hidden fields of `page` by name, except those named in `omit` (a forged post leaves its CSRF out). */
export function hiddenFields(page: string, omit: readonly string[] = []): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, name, value] of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    if (name === undefined || value === undefined || omit.includes(name)) continue;
    fields[name] = decodeEntities(value);
  }
  return fields;
}

/** A browser's cookies by name: Set-Cookie lines kept (Max-Age=0 deletes), sent back as one Cookie header. */
export class CookieJar extends Map<string, string> {
  remember(setCookieLines: readonly string[]): void {
    for (const line of setCookieLines) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      if (/;\s*Max-Age=0(;|$)/i.test(line)) this.delete(pair.slice(0, eq));
      else this.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  /** The Cookie request header, or undefined while the jar is empty. */
  header(): string | undefined {
    return this.size === 0 ? undefined : [...this].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { type Browser, chromium } from "playwright-core";

// What the end-to-end tests in a real browser share: Debian's Chromium (/usr/bin/chromium), driven by
// playwright-core (no browser is ever downloaded), and the merchant's side as a real HTTP server.

const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = resolve(import.meta.dirname, "../artifacts");

/** Whether Chromium is installed; when not, says that `suite` is skipped and why. */
export function chromiumPresent(suite: string): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) {
    console.warn(
      `${suite}: SKIPPED, no Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium)`,
    );
  }
  return present;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
    ],
  });
}

/** The merchant's side: a real HTTP server on 127.0.0.1 taking pushes and serving the landing pages. */
export async function startMerchant() {
  const pushes: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const landings: string[] = [];
  /** Tokenization callbacks (user/tokenize/init's callback_url), acknowledged with {"status": 9100}. */
  const callbacks: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://merchant").pathname;
      if (req.method === "POST" && path === "/push") {
        pushes.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"OK"}');
        return;
      }
      if (req.method === "POST" && path === "/tokenize/callback") {
        callbacks.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":9100,"message":"Success"}');
        return;
      }
      if (req.method === "GET" && (path === "/back" || path === "/cancel")) {
        landings.push(path);
        const title = path === "/back" ? "Back at the store" : "Checkout cancelled at the store";
        res
          .writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end(
            `<!doctype html><meta name="viewport" content="width=device-width"><title>${title}</title><h1>${title}</h1>`,
          );
        return;
      }
      if (path === "/favicon.ico") {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pushes,
    landings,
    callbacks,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

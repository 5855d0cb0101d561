// Wire contracts of the Checkout API (seed 001), mounted under /kredivo.
export * from "./abort.ts";
export * from "./calculator.ts";
export * from "./cancel.ts";
export * from "./common.ts";
export * from "./errors.ts";
export * from "./init.ts";
export * from "./issues.ts";
export * from "./json-int.ts";
export * from "./push.ts";
export * from "./routes.ts";
export * from "./status.ts";
export * from "./tokenize.ts";
export * from "./update.ts";
export * from "./zero-click.ts";

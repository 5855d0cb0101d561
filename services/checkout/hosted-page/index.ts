export { type HostedPageOptions, hostedPageRoutes } from "./routes.ts";

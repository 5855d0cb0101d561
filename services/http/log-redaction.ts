import type { FastifyRequest } from "fastify";

// Some links carry a secret: in the path (a buyer's one-time PIN link: /kredivo/buyers/pin/<token>) or in
// the query (the Partner API's signed landing link `token`, the static URL's `clientToken`, a document link's
// `signature`). The request log line writes the URL, so those parts are masked there: a log line never holds
// a secret.
const SECRET_PATHS = [/(\/buyers\/pin\/)[^/?#]+/];
const SECRET_QUERY_PARAMS = /([?&](?:token|clientToken|signature)=)[^&#]*/g;

export function redactedUrl(url: string): string {
  return SECRET_PATHS.reduce((text, pattern) => text.replace(pattern, "$1[redacted]"), url).replace(
    SECRET_QUERY_PARAMS,
    "$1[redacted]",
  );
}

/** Fastify's request serializer (method, url, host, remote address) with the URL's secrets masked. */
export function redactedRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactedUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
  };
}

import type { FastifyRequest } from "fastify";

// Some links carry their secret in the path (a buyer's one-time PIN link: /kredivo/buyers/pin/<token>). The
// request log line writes the URL, so those segments are masked there: a log line never holds a secret.
const SECRET_PATHS = [/(\/buyers\/pin\/)[^/?#]+/];

export function redactedUrl(url: string): string {
  return SECRET_PATHS.reduce((text, pattern) => text.replace(pattern, "$1[redacted]"), url);
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

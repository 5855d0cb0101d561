// How the publisher tells a Kafka failure from any other, and says which broker failed.

export function isKafkaError(error: unknown): boolean {
  return error instanceof Error && error.name.startsWith("KafkaJS");
}

/** The broker named by a kafkajs error or the errors it wraps. */
export function brokerOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const broker = (current as { broker?: unknown }).broker;
    if (typeof broker === "string") return broker;
    const inner = current as { originalError?: unknown; cause?: unknown; errors?: unknown[] };
    current = inner.originalError ?? inner.cause ?? inner.errors?.[0];
  }
  return undefined;
}

/** One line for status and logs: the error, the kafkajs error it wraps, and the broker. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const broker = brokerOf(error);
  const inner = (error as { originalError?: unknown }).originalError;
  const detail = inner instanceof Error && inner.message !== error.message ? ` (${inner.message})` : "";
  return `${error.name}: ${error.message}${detail}${broker && !error.message.includes(broker) ? ` [broker ${broker}]` : ""}`;
}

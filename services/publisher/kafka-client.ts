import { Kafka, type KafkaConfig, type logCreator, logLevel } from "kafkajs";

// What the publisher and the consumer helper share of kafkajs: a client that logs through ours.

/** Where the publisher and the consumer log (pino fits). */
export interface KafkaLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
  debug?(object: object, message: string): void;
}

/**
 * A kafkajs client whose own log lines (warnings and up) go to our logger at debug: the publisher and the
 * consumer report failures themselves, once, with context.
 */
export function kafkaClient(
  config: Omit<KafkaConfig, "logLevel" | "logCreator">,
  logger: KafkaLogger,
): Kafka {
  const logCreator: logCreator =
    () =>
    ({ namespace, label, log }) => {
      const { message, ...rest } = log;
      logger.debug?.({ kafkajs: namespace, level: label, ...rest }, String(message));
    };
  return new Kafka({ ...config, logLevel: logLevel.WARN, logCreator });
}

import { ReadStorePublisherCheckpoint } from "../publisher/checkpoint.ts";
import { publisherMetrics } from "../publisher/metrics.ts";
import { startPublisher } from "../publisher/publisher.ts";
import type { RoleContext, Started } from "./role.ts";

/** The publisher role: the log to Kafka, from its checkpoint. Without KAFKA_BROKERS it does nothing. */
export async function startPublisherRole(context: RoleContext): Promise<Started> {
  const { config, logger, store, readStore } = context;
  if (config.KAFKA_BROKERS.length === 0) return { mounts: [], stops: [] };
  const publisher = await startPublisher({
    store,
    checkpoint: new ReadStorePublisherCheckpoint(readStore),
    brokers: config.KAFKA_BROKERS,
    logger,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    retentionMs: config.KAFKA_RETENTION_MS,
  });
  publisherMetrics(context.metrics, { store, publisher });
  return { mounts: [], stops: [() => publisher.stop()] };
}

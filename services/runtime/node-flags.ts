/**
 * The Node flags the service runs with: `npm start`, the production roles (README "Production shape") and
 * the benchmarks' forked service all pass them, and node-flags.unit.test.ts fails if one of those drifts.
 *
 * `--max-semi-space-size=4` (MiB): V8 otherwise grows the young generation to 16 MiB semi-spaces under the
 * allocation rate of checkout/init, and the heap it reserves stays: RSS under the init load was 341 MB with
 * the default and 232 MB with 4 MiB, at the same throughput (`BENCH_SECTIONS=memory npm run bench`, both on
 * 2026-12-07). Most of a request's garbage dies young; a smaller nursery only scavenges it more often.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4"];

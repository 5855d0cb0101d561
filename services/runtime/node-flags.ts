/**
 * The Node flags the service runs with: `npm start`, the production roles (README "Production shape") and
 * the benchmarks' forked service all pass them, and node-flags.unit.test.ts fails if one of those drifts.
 *
 * `--max-semi-space-size=8` (MiB): V8 otherwise grows the young generation to 16 MiB semi-spaces under the
 * allocation rate of checkout/init, and the heap it reserves stays. RSS over a 1M-event log under the init
 * load (`BENCH_SECTIONS=memory npm run bench`, 2026-12-07): 341 MB by default, 249 MB with 8, 232 MB with 4.
 * CPU per init, the three alternated twice on one service (a throwaway script): 1,506–1,750 µs with 16,
 * 1,644–1,723 µs with 8, 1,577–1,976 µs with 4; the machine's noise is as large as the differences, so the
 * middle one, which keeps the target with room.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=8"];

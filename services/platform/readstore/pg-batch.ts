import type pg from "pg";

/** One statement of a batch: PostgreSQL's `$n` placeholders, values already as pg sends them (text or null). */
export interface BatchStatement {
  readonly text: string;
  readonly values: readonly (string | number | null)[];
}

/**
 * Runs statements in order in one round trip: every statement's Parse (only when its text differs from the
 * statement before it, as the unnamed statement stays prepared until the next Parse), Bind and Execute,
 * then a single Sync. At the first error the server skips everything after it up to the Sync, and this
 * rejects with that error. Rows a statement returns are not kept.
 *
 * pg's own queries pay a Sync, a round trip and a result object per statement; a projection's batch of a
 * hundred upserts is one message stream here. Values are parameters only, never spliced into the text.
 */
export function runBatch(client: pg.PoolClient, statements: readonly BatchStatement[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // pg accepts any object with submit() and these handlers as a query, and calls them as the server answers.
    const batch: pg.Submittable & Record<`handle${string}`, (error: unknown) => void> = {
      submit(connection) {
        connection.stream.cork();
        try {
          let previous: string | undefined;
          for (const { text, values } of statements) {
            if (text !== previous) connection.parse({ text, name: "", types: [] }, false);
            previous = text;
            const texts = values.map((v) => (v === null ? null : String(v)));
            connection.bind({ statement: "", values: texts }, false);
            connection.execute({}, false);
          }
          connection.sync();
        } finally {
          connection.stream.uncork();
        }
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleCommandComplete() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyInResponse() {},
      handleCopyData() {},
      // The first error: the server skips everything after it up to the Sync, so there is no second.
      handleError: reject,
      handleReadyForQuery: () => resolve(),
    };
    client.query(batch);
  });
}

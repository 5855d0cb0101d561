import pg from "pg";

/** Why PostgreSQL cannot be used, or undefined when it answers `SELECT 1`: benchmarks skip with the reason. */
export async function postgresUnreachable(databaseUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return [e.code, e.message].filter(Boolean).join(": ") || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

// The little SQL surface both databases share. Statements use `?` placeholders; the Postgres driver
// numbers them. Booleans are bound as 1/0 (SQLite has no boolean; Postgres accepts '1'/'0').
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  all<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction that excludes other writers; rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  isUniqueViolation(err: unknown): boolean;
  close(): Promise<void>;
}

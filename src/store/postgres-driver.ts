// node-postgres behind the shared SQL surface. BIGINT (epoch ms, counters) comes back as a number:
// every value this project stores stays far below 2^53.
import pg from 'pg';
import type { Logger } from '../observability/log.js';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './sql.js';

const INT8_OID = 20;
const UNIQUE_VIOLATION = '23505';

interface Queryable {
  query(text: string, values?: readonly SqlValue[]): Promise<pg.QueryResult>;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
  readonly #pool: pg.Pool;
  readonly #numbered = new Map<string, string>();

  constructor(connectionString: string, logger: Logger) {
    this.#pool = new pg.Pool({
      connectionString,
      max: 4,
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its connection (database restart) must not crash the process; the next
    // query reconnects, and the recorder retries what failed.
    this.#pool.on('error', (err) => logger.warn({ err }, 'postgres idle client error'));
  }

  all<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#executor(this.#pool).all<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.#executor(this.#pool).run(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.#executor(this.#pool).exec(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(this.#executor(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  isUniqueViolation(err: unknown): boolean {
    return (err as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
  }

  close(): Promise<void> {
    return this.#pool.end();
  }

  #executor(target: Queryable): SqlExecutor {
    return {
      all: async <T extends Row>(sql: string, params: readonly SqlValue[] = []) => (await target.query(this.#number(sql), params)).rows as T[],
      run: async (sql, params = []) => ({ changes: (await target.query(this.#number(sql), params)).rowCount ?? 0 }),
      exec: async (sql) => void (await target.query(sql)),
    };
  }

  /** `?` to `$1, $2, ...`; the project's statements never contain a literal question mark. */
  #number(sql: string): string {
    let numbered = this.#numbered.get(sql);
    if (numbered === undefined) {
      let n = 0;
      numbered = sql.replace(/\?/g, () => `$${++n}`);
      this.#numbered.set(sql, numbered);
    }
    return numbered;
  }
}

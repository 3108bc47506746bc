// better-sqlite3 is synchronous, so every statement runs whole on the event loop. The async facade
// exists for one reason: a transaction awaits between statements, and no other statement may slip
// into it meanwhile. Every operation therefore queues behind the previous one.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './sql.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #direct: SqlExecutor;
  readonly #checkpointer: WalCheckpointer | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    // NORMAL under WAL: a power cut may lose the last commits but never corrupts the file.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    if (path !== ':memory:') {
      // Checkpoints (and their disk syncs) happen on a thread of their own, never inside a COMMIT here.
      this.#db.pragma('wal_autocheckpoint = 0');
      this.#checkpointer = startWalCheckpointer(path, () => this.#db.pragma('wal_autocheckpoint = 1000'));
    }
    this.#direct = {
      all: async <T extends Row>(sql: string, params: readonly SqlValue[] = []) => this.#all<T>(sql, params),
      run: async (sql, params = []) => ({ changes: this.#statement(sql).run(...params).changes }),
      exec: async (sql) => void this.#db.exec(sql),
    };
  }

  all<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#serial(() => this.#direct.all<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.#serial(() => this.#direct.run(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.#serial(() => this.#direct.exec(sql));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      // IMMEDIATE takes the write lock up front, so two processes on one file cannot deadlock on upgrade.
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.#direct);
        this.#db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  isUniqueViolation(err: unknown): boolean {
    const code = (err as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  async close(): Promise<void> {
    await this.#checkpointer?.stop();
    await this.#serial(async () => this.#db.close());
  }

  #all<T extends Row>(sql: string, params: readonly SqlValue[]): T[] {
    const statement = this.#statement(sql);
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

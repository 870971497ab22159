import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A query's name: kebab-case words, in folders under sql/, without `.sql` (`load/value-codes`). */
const QUERY_NAME = /^[a-z0-9]+(-[a-z0-9]+)*(\/[a-z0-9]+(-[a-z0-9]+)*)*$/;

/**
 * Where sql/ is: next to a Lambda bundle (scripts/esbuild-plugins.cjs copies it there), else at the root
 * of the repository, two folders above this file (the CLI, tests and benchmarks run from source).
 */
const SQL_FOLDERS = [path.join(__dirname, 'sql'), path.join(__dirname, '..', '..', 'sql')];

const loaded = new Map<string, string>();

/** A query file under sql/ is missing, or its name is not a query name. */
export class SqlFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlFileError';
  }
}

/**
 * The text of `sql/<name>.sql`, read once per process. SQL is code: one query a file, named by what it
 * computes, its values bound as parameters when it runs (never pasted into the text).
 * @throws SqlFileError for a name that is not kebab-case folders and words, or a file found nowhere
 */
export function sqlQuery(name: string): string {
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  if (!QUERY_NAME.test(name))
    throw new SqlFileError(`"${name}" is not a query name (kebab-case, under sql/)`);
  for (const folder of SQL_FOLDERS) {
    let text: string;
    try {
      text = readFileSync(path.join(folder, `${name}.sql`), 'utf8');
    } catch {
      continue;
    }
    loaded.set(name, text);
    return text;
  }
  throw new SqlFileError(`sql/${name}.sql is in none of ${SQL_FOLDERS.join(', ')}`);
}

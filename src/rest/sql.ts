// SQL text for SQLite from the checked query shapes of plugin.ts: identifiers always double-quoted (even though they
// were validated against the schema), every value a `?` parameter, never text from the request spliced in.
import type { Condition, ReadQuery, Row, SqlValue } from './plugin.ts';

/** SQL with its parameters, in order. */
export interface SqlText {
  sql: string;
  params: SqlValue[];
}

/** How the connection's LIKE behaves: `nocase` (SQLite's default, ASCII case-insensitive) or a case-sensitive build. */
export interface SqlDialect {
  nocaseLike: boolean;
}

const COMPARISONS: Record<string, string> = { eq: '=', neq: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' };
const IS_SQL: Record<string, string> = { null: 'IS NULL', not_null: 'IS NOT NULL', true: 'IS TRUE', false: 'IS FALSE' };
const AGGREGATE_SQL: Record<string, string> = { count: 'COUNT', sum: 'SUM', avg: 'AVG', min: 'MIN', max: 'MAX' };

/** `"name"` with inner quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A case-sensitive LIKE pattern as a GLOB pattern (GLOB is case-sensitive, LIKE is not): `%` → `*`, `_` → `?`, and
 * GLOB's own `*`, `?` and `[` made literal as `[*]`, `[?]`, `[[]`. Used instead of `PRAGMA case_sensitive_like`, which is
 * deprecated and would also change LIKE inside the database's own views, triggers and the RPC functions' SQL.
 */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    switch (ch) {
      case '%': out += '*'; break;
      case '_': out += '?'; break;
      case '*': out += '[*]'; break;
      case '?': out += '[?]'; break;
      case '[': out += '[[]'; break;
      default: out += ch;
    }
  }
  return out;
}

/** ` WHERE a AND b…` ('' without conditions); columns qualified with the table so no select alias can capture them. */
export function whereSql(table: string, where: Condition[], dialect: SqlDialect, params: SqlValue[]): string {
  if (where.length === 0) return '';
  const t = quoteIdent(table);
  const parts: string[] = [];
  for (const condition of where) parts.push(conditionSql(`${t}.${quoteIdent(condition.column)}`, condition, dialect, params));
  return ` WHERE ${parts.join(' AND ')}`;
}

function conditionSql(col: string, c: Condition, dialect: SqlDialect, params: SqlValue[]): string {
  let sql: string;
  if (c.op === 'is') {
    sql = `${col} ${IS_SQL[c.test]}`;
  } else if (c.op === 'in') {
    sql = `${col} IN (${c.values.map(() => '?').join(', ')})`;
    for (const value of c.values) params.push(value);
  } else if (c.op === 'like') {
    sql = `${col} GLOB ?`;
    params.push(likeToGlob(textOf(c.value)));
  } else if (c.op === 'ilike') {
    sql = dialect.nocaseLike ? `${col} LIKE ?` : `lower(${col}) LIKE lower(?)`;
    params.push(textOf(c.value));
  } else {
    sql = `${col} ${COMPARISONS[c.op]} ?`;
    params.push(c.value);
  }
  // NOT over a comparison with NULL stays NULL: three-valued logic, so NULLs never match either way.
  return c.not ? `NOT (${sql})` : sql;
}

function textOf(value: SqlValue): string {
  return typeof value === 'string' ? value : value === null ? '' : String(value);
}

/** The page's SELECT and, with `query.count`, the COUNT(*) of every row (or group) it pages through. */
export function selectSql(table: string, query: ReadQuery, dialect: SqlDialect): { rows: SqlText; count: SqlText | null } {
  const t = quoteIdent(table);
  const params: SqlValue[] = [];
  const aliases = new Set<string>();
  let items = '*';
  let aggregate = false;
  if (query.select.length > 0) {
    const parts: string[] = [];
    for (const item of query.select) {
      aliases.add(item.alias);
      const as = ` AS ${quoteIdent(item.alias)}`;
      if (item.kind === 'column') {
        parts.push(`${t}.${quoteIdent(item.column)}${as}`);
      } else if (item.kind === 'aggregate') {
        aggregate = true;
        parts.push(`${AGGREGATE_SQL[item.fn]}(${item.column === null ? '*' : `${t}.${quoteIdent(item.column)}`})${as}`);
      } else {
        parts.push(`?${as}`);
        params.push(item.value);
      }
    }
    items = parts.join(', ');
  }
  const whereParams: SqlValue[] = [];
  const from = ` FROM ${t}${whereSql(table, query.where, dialect, whereParams)}`;
  for (const value of whereParams) params.push(value);
  const groupBy = query.groupBy.length === 0 ? '' : ` GROUP BY ${query.groupBy.map((c) => `${t}.${quoteIdent(c)}`).join(', ')}`;
  // ORDER BY an exact select alias names that output column; anything else is the table's column, qualified so a
  // case-insensitively equal alias cannot capture it.
  const orderBy = query.order.length === 0 ? '' : ` ORDER BY ${query.order.map((o) => `${aliases.has(o.key) ? quoteIdent(o.key) : `${t}.${quoteIdent(o.key)}`} ${o.descending ? 'DESC' : 'ASC'}`).join(', ')}`;
  params.push(query.limit, query.offset);
  const rows = { sql: `SELECT ${items}${from}${groupBy}${orderBy} LIMIT ? OFFSET ?`, params };
  if (!query.count) return { rows, count: null };
  // With an aggregate the page has one row per group (one row without GROUP BY): count those, not the table's rows.
  const count = aggregate || groupBy !== ''
    ? `SELECT COUNT(*) AS n FROM (SELECT COUNT(*)${from}${groupBy})`
    : `SELECT COUNT(*) AS n${from}`;
  return { rows, count: { sql: count, params: whereParams } };
}

/** The INSERT of one row holding `columns` (its values bound in that order), returning the row as stored; none → DEFAULT VALUES. */
export function insertSql(table: string, columns: readonly string[]): string {
  if (columns.length === 0) return `INSERT INTO ${quoteIdent(table)} DEFAULT VALUES RETURNING *`;
  return `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) RETURNING *`;
}

export function updateSql(table: string, data: Row, where: Condition[], dialect: SqlDialect): SqlText {
  const columns = Object.keys(data);
  const params: SqlValue[] = columns.map((c) => data[c]);
  const set = columns.map((c) => `${quoteIdent(c)} = ?`).join(', ');
  return { sql: `UPDATE ${quoteIdent(table)} SET ${set}${whereSql(table, where, dialect, params)}`, params };
}

export function deleteSql(table: string, where: Condition[], returning: boolean, dialect: SqlDialect): SqlText {
  const params: SqlValue[] = [];
  return { sql: `DELETE FROM ${quoteIdent(table)}${whereSql(table, where, dialect, params)}${returning ? ' RETURNING *' : ''}`, params };
}

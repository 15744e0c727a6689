/**
 * The compatibility suite's cases: one sleeve per npm package (under
 * tests/compat/workspace/sleeves/), the policy it runs under, whether it is
 * pure (no Node API: it also runs in isolate mode, from a bundle of itself
 * and its packages), and for the refused ones the capability and policy key
 * the denial must name.
 */

export type CasePolicy = 'strict' | 'addons';

export interface CompatCase {
  /** Sleeve name in the manifest (and the case's title). */
  name: string;
  /** Entry, relative to the workspace. */
  entry: string;
  /** The npm packages the sleeve exercises (workspace dependencies). */
  packages: string[];
  policy: CasePolicy;
  /** Pure JS that needs nothing but ctx: also run in isolate mode, byte-identical. */
  isolate: boolean;
}

export interface RefusedCase {
  name: string;
  entry: string;
  packages: string[];
  /** The capability the denial names (its `op`). */
  op: string;
  /** The policy key that would allow it (its `rule`). */
  rule: string;
  /** Arguments (`port` is replaced by the local server's port). */
  args?: string[];
}

const c = (name: string, entry: string, packages: string[], isolate: boolean, policy: CasePolicy = 'strict'): CompatCase => ({
  name,
  entry,
  packages,
  policy,
  isolate,
});

export const CASES: readonly CompatCase[] = [
  // columnar formats
  c('apache-arrow', 'sleeves/apache-arrow.ts', ['apache-arrow'], true),
  c('hyparquet', 'sleeves/hyparquet.ts', ['hyparquet'], true),
  c('hyparquet-writer', 'sleeves/hyparquet-writer.ts', ['hyparquet-writer', 'hyparquet'], true),
  // CSV
  c('csv-parse', 'sleeves/csv-parse.ts', ['csv-parse'], true),
  c('csv-stringify', 'sleeves/csv-stringify.ts', ['csv-stringify'], true),
  c('papaparse', 'sleeves/papaparse.ts', ['papaparse'], true),
  c('fast-csv', 'sleeves/fast-csv.ts', ['fast-csv'], false),
  // statistics and math
  c('simple-statistics', 'sleeves/simple-statistics.ts', ['simple-statistics'], true),
  c('mathjs', 'sleeves/mathjs.ts', ['mathjs'], true),
  c('jstat', 'sleeves/jstat.ts', ['jstat'], true),
  c('ml-matrix', 'sleeves/ml-matrix.ts', ['ml-matrix'], true),
  c('d3-array', 'sleeves/d3-array.ts', ['d3-array'], true),
  // dates
  c('date-fns', 'sleeves/date-fns.ts', ['date-fns'], true),
  c('dayjs', 'sleeves/dayjs.ts', ['dayjs'], true),
  c('luxon', 'sleeves/luxon.ts', ['luxon'], true),
  // decimals
  c('decimal.js', 'sleeves/decimal.ts', ['decimal.js'], true),
  c('big.js', 'sleeves/big.ts', ['big.js'], true),
  c('bignumber.js', 'sleeves/bignumber.ts', ['bignumber.js'], true),
  // schema validation
  c('zod', 'sleeves/zod.ts', ['zod'], true),
  c('ajv', 'sleeves/ajv.ts', ['ajv'], true),
  c('yup', 'sleeves/yup.ts', ['yup'], true),
  c('joi', 'sleeves/joi.ts', ['joi'], true),
  // config formats
  c('yaml', 'sleeves/yaml.ts', ['yaml'], true),
  c('js-yaml', 'sleeves/js-yaml.ts', ['js-yaml'], true),
  c('dotenv', 'sleeves/dotenv.ts', ['dotenv'], false),
  // logging
  c('pino', 'sleeves/pino.ts', ['pino'], false),
  c('winston', 'sleeves/winston.ts', ['winston'], false),
  c('debug', 'sleeves/debug.ts', ['debug'], false),
  // utilities
  c('lodash', 'sleeves/lodash.ts', ['lodash'], true),
  c('ramda', 'sleeves/ramda.ts', ['ramda'], true),
  c('immer', 'sleeves/immer.ts', ['immer'], true),
  c('uuid', 'sleeves/uuid.ts', ['uuid'], true),
  c('nanoid', 'sleeves/nanoid.ts', ['nanoid'], true),
  c('iconv-lite', 'sleeves/iconv-lite.ts', ['iconv-lite'], false),
  // files and archives
  c('fs-extra', 'sleeves/fs-extra.ts', ['fs-extra'], false),
  c('graceful-fs', 'sleeves/graceful-fs.ts', ['graceful-fs'], false),
  c('archiver', 'sleeves/archiver.ts', ['archiver'], false),
  c('jszip', 'sleeves/jszip.ts', ['jszip'], true),
  c('tar', 'sleeves/tar.ts', ['tar'], false),
  // spreadsheets
  c('exceljs', 'sleeves/exceljs.ts', ['exceljs'], false),
  c('xlsx', 'sleeves/xlsx.ts', ['xlsx'], true),
  // databases (native addons)
  c('duckdb', 'sleeves/duckdb.ts', ['@duckdb/node-api'], false, 'addons'),
  c('better-sqlite3', 'sleeves/better-sqlite3.ts', ['better-sqlite3'], false, 'addons'),
  // a user's own modules: CommonJS with __dirname and require, ESM with import.meta
  c('own-cjs', 'sleeves/own-cjs/index.cjs', ['lodash'], false),
  c('own-mjs', 'sleeves/own-mjs/index.mjs', ['dayjs'], false),
];

export const REFUSED: readonly RefusedCase[] = [
  { name: 'pino-transport', entry: 'sleeves/pino-transport.ts', packages: ['pino'], op: 'worker_threads', rule: 'process.workers' },
  { name: 'piscina', entry: 'sleeves/piscina.ts', packages: ['piscina'], op: 'worker_threads', rule: 'process.workers' },
  { name: 'execa', entry: 'sleeves/execa.ts', packages: ['execa'], op: 'child_process', rule: 'process.childProcess' },
  { name: 'undici', entry: 'sleeves/undici.ts', packages: ['undici'], op: 'net', rule: 'net', args: ['port'] },
  { name: 'axios', entry: 'sleeves/axios.ts', packages: ['axios'], op: 'net', rule: 'net', args: ['port'] },
  { name: 'better-sqlite3-strict', entry: 'sleeves/better-sqlite3.ts', packages: ['better-sqlite3'], op: 'addons', rule: 'process.addons' },
];

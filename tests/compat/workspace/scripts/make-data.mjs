// Writes the compat workspace's small lakehouse (deterministic: a seeded LCG,
// fixed dates). Text files only; scripts/make-binary.mjs derives the parquet,
// Arrow and xlsx files from them with the installed libraries. Both outputs are
// committed, so the suite never regenerates them; rerun after changing this.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'lakehouse');
fs.mkdirSync(path.join(root, 'ohlcv'), { recursive: true });

let seed = 20240102;
const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

const universe = [
  { symbol: 'AAPL', name: 'Apple Inc.', sector: 'Technology', start: 185.6 },
  { symbol: 'MSFT', name: 'Microsoft Corp.', sector: 'Technology', start: 370.9 },
  { symbol: 'NVDA', name: 'NVIDIA Corp.', sector: 'Technology', start: 48.2 },
  { symbol: 'XOM', name: 'Exxon Mobil Corp.', sector: 'Energy', start: 102.3 },
  { symbol: 'JPM', name: 'JPMorgan Chase & Co.', sector: 'Financials', start: 170.1 },
  { symbol: 'SPY', name: 'SPDR S&P 500 ETF', sector: 'Index', start: 472.7 },
];

const days = [];
for (let d = new Date(Date.UTC(2024, 0, 2)); days.length < 60; d = new Date(d.getTime() + 86400000)) {
  const wd = d.getUTCDay();
  if (wd !== 0 && wd !== 6) days.push(d.toISOString().slice(0, 10));
}

const long = ['symbol,date,close,volume'];
for (const u of universe) {
  let close = u.start;
  const rows = ['date,open,high,low,close,volume'];
  for (const day of days) {
    const open = close * (1 + (rand() - 0.5) * 0.01);
    close = open * (1 + (rand() - 0.48) * 0.03);
    const high = Math.max(open, close) * (1 + rand() * 0.01);
    const low = Math.min(open, close) * (1 - rand() * 0.01);
    const volume = Math.round(1e6 + rand() * 9e6);
    rows.push([day, open.toFixed(2), high.toFixed(2), low.toFixed(2), close.toFixed(2), volume].join(','));
    long.push([u.symbol, day, close.toFixed(2), volume].join(','));
  }
  fs.writeFileSync(path.join(root, 'ohlcv', `${u.symbol}.csv`), `${rows.join('\n')}\n`);
}
fs.writeFileSync(path.join(root, 'prices.csv'), `${long.join('\n')}\n`);
fs.writeFileSync(
  path.join(root, 'universe.json'),
  `${JSON.stringify(
    universe.map(({ start, ...u }) => u),
    null,
    2,
  )}\n`,
);

const trades = [];
for (let i = 0; i < 40; i++) {
  const u = universe[i % universe.length];
  trades.push({
    id: `T${String(i + 1).padStart(4, '0')}`,
    symbol: u.symbol,
    date: days[(i * 7) % days.length],
    side: rand() < 0.5 ? 'buy' : 'sell',
    quantity: String(1 + Math.floor(rand() * 500)),
    price: (u.start * (0.9 + rand() * 0.2)).toFixed(4),
    fee: (rand() * 3).toFixed(6),
  });
}
fs.writeFileSync(path.join(root, 'trades.json'), `${JSON.stringify(trades, null, 2)}\n`);

fs.writeFileSync(
  path.join(root, 'config.yaml'),
  `# pipeline settings shared by the sleeves
pipeline:
  name: compat-demo
  version: 3
  lookbackDays: 20
  rebalance: weekly
risk:
  maxWeight: 0.25
  minWeight: 0.02
  riskAversion: 4.5
universe:
  include: [AAPL, MSFT, NVDA, XOM, JPM]
  benchmark: SPY
sectors:
  Technology: { cap: 0.6 }
  Energy: { cap: 0.3 }
  Financials: { cap: 0.3 }
`,
);

fs.writeFileSync(
  path.join(root, 'config.json'),
  `${JSON.stringify(
    {
      pipeline: { name: 'compat-demo', version: 3, lookbackDays: 20, rebalance: 'weekly' },
      risk: { maxWeight: 0.25, minWeight: 0.02, riskAversion: 4.5 },
      universe: { include: ['AAPL', 'MSFT', 'NVDA', 'XOM', 'JPM'], benchmark: 'SPY' },
    },
    null,
    2,
  )}\n`,
);

fs.writeFileSync(
  path.join(root, 'config.schema.json'),
  `${JSON.stringify(
    {
      type: 'object',
      required: ['pipeline', 'risk', 'universe'],
      properties: {
        pipeline: {
          type: 'object',
          required: ['name', 'version', 'lookbackDays', 'rebalance'],
          properties: {
            name: { type: 'string', minLength: 1 },
            version: { type: 'integer', minimum: 1 },
            lookbackDays: { type: 'integer', minimum: 1, maximum: 252 },
            rebalance: { enum: ['daily', 'weekly', 'monthly'] },
          },
        },
        risk: {
          type: 'object',
          required: ['maxWeight', 'minWeight', 'riskAversion'],
          properties: {
            maxWeight: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
            minWeight: { type: 'number', minimum: 0, maximum: 1 },
            riskAversion: { type: 'number', minimum: 0 },
          },
        },
        universe: {
          type: 'object',
          required: ['include', 'benchmark'],
          properties: { include: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{1,5}$' }, minItems: 1 }, benchmark: { type: 'string' } },
        },
      },
    },
    null,
    2,
  )}\n`,
);

fs.writeFileSync(
  path.join(root, 'settings.env'),
  '# sleeve settings (dotenv format)\nLOOKBACK_DAYS=20\nBASE_CURRENCY=USD\nRISK_FREE_RATE=0.0425\nREPORT_TITLE="Compat demo: weekly rebalance"\nEMPTY=\n',
);

const fundamentals = [
  'symbol;name;country;pe',
  'NESN;Nestlé S.A.;Schweiz;21.4',
  'GLE;Société Générale;France;6.2',
  'MUV2;Münchener Rück;Deutschland;12.9',
  'SAN;Banco Santander;España;6.8',
  'ORSTED;Ørsted A/S;Danmark;30.1',
];
fs.writeFileSync(path.join(root, 'fundamentals-latin1.csv'), Buffer.from(`${fundamentals.join('\n')}\n`, 'latin1'));

fs.writeFileSync(path.join(root, 'notes.txt'), 'Lakehouse snapshot for the compatibility suite.\nSix symbols, sixty business days from 2024-01-02.\n');
console.log(`wrote ${root}`);

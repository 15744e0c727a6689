// A user's own CommonJS sleeve: its own helper through a literal require (a computed
// require of the sleeve's own files resolves from the compiled bundle: README, Known limits),
// lodash via require, and __dirname/__filename of its source file.
const path = require('node:path');
const _ = require('lodash');

const helpers = require('./helpers.cjs');

module.exports = async function run(ctx) {
  const prices = helpers.parsePrices(await ctx.fs.readText('data/lakehouse/prices.csv'));
  const last = _.mapValues(_.groupBy(prices, 'symbol'), (rows) => _.last(rows).close);
  await ctx.fs.writeJson(path.join(ctx.runDir, 'last-close.json'), {
    here: path.relative(ctx.workspace, __dirname),
    file: path.basename(__filename),
    last,
  });
};

// A user's own CommonJS sleeve: finds its helper through __dirname at run time
// (a computed require, as plenty of real code does) and uses lodash via require.
const path = require('node:path');
const _ = require('lodash');

const helpers = require(path.join(__dirname, 'helpers.cjs'));

module.exports = async function run(ctx) {
  const prices = helpers.parsePrices(await ctx.fs.readText('data/lakehouse/prices.csv'));
  const last = _.mapValues(_.groupBy(prices, 'symbol'), (rows) => _.last(rows).close);
  await ctx.fs.writeJson(path.join(ctx.runDir, 'last-close.json'), {
    here: path.relative(ctx.workspace, __dirname),
    file: path.basename(__filename),
    last,
  });
};

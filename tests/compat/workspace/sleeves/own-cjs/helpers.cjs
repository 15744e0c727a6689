// Helper module of the own-cjs sleeve.
exports.parsePrices = (text) =>
  text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [symbol, date, close] = line.split(',');
      return { symbol, date, close: Number(close) };
    });

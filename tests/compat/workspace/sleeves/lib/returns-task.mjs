// The piscina sleeve's task, run in a worker thread: daily returns of a close series.
export default ({ closes }) => closes.slice(1).map((c, i) => c / closes[i] - 1);

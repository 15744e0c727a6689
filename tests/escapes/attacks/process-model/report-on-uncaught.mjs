/* @attack {"title": "point process.report.directory at OUTSIDE and turn on reportOnUncaughtException, then throw"} */
try {
  process.report.directory = process.env.OUTSIDE;
  process.report.reportOnUncaughtException = true;
} catch {
  // read-only: fall back to asking for the file directly
  process.report.writeReport(`${process.env.OUTSIDE}/report.json`);
}
throw new Error('trigger the report');

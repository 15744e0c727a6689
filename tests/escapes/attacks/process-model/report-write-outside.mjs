/* @attack {"title": "process.report.writeReport into OUTSIDE"} */
process.report.writeReport(`${process.env.OUTSIDE}/report.json`);

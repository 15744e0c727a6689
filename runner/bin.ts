/** Process entry: the only place that touches process.exitCode. */
import { main } from './cli.js';

const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  stderrStream: process.stderr,
  onSignal(handler) {
    const onSigint = () => handler('SIGINT');
    const onSigterm = () => handler('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    return () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    };
  },
});
process.exitCode = code;

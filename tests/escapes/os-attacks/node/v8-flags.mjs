/* @attack {"title": "V8 flags set at run time make V8 itself write files (TurboFan traces, code traces) into the lakehouse and the workspace root", "expect": "refused", "osOnly": true} */
// V8 opens these files itself, below every JS wrapper; only the kernel can refuse them.
import fs from 'node:fs';
import v8 from 'node:v8';

const ws = process.env.SLEEVE_WORKSPACE;
const lake = `${ws}/data/lakehouse`;
for (const flags of [`--trace-turbo --trace-turbo-path=${lake}`, `--redirect-code-traces --redirect-code-traces-to=${lake}/code.trace`, `--trace-turbo-cfg-file=${ws}/cfg.trace`]) {
  try {
    v8.setFlagsFromString(flags);
  } catch (error) {
    console.log(`refused: ${flags}: ${error.code ?? error.message}`);
  }
}
// Make TurboFan compile something.
function hot(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += (i * 7) % 13;
  return s;
}
let total = 0;
for (let i = 0; i < 20000; i++) total += hot(200);
console.log('total', total);
const written = fs.readdirSync(lake).filter((n) => /turbo|trace/.test(n));
console.log(written.length > 0 ? `ESCAPED: ${written.join(', ')}` : 'refused: nothing written in the lakehouse');
process.exitCode = written.length > 0 ? 0 : 1;

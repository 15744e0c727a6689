/* @attack {"title": "vm.compileFunction with a fresh parsing context, handed process and a createRequire'd require: write OUTSIDE/x"} */
import { createRequire } from 'node:module';
import vm from 'node:vm';
const fn = vm.compileFunction("req('fs').writeFileSync(p.env.OUTSIDE + '/x', 'from compileFunction')", ['req', 'p'], {
  parsingContext: vm.createContext({}),
});
fn(createRequire(import.meta.url), process);

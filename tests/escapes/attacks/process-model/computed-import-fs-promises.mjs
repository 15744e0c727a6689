/* @attack {"title": "dynamic import of fs/promises with a computed specifier: writeFile OUTSIDE/x"} */
const ns = await import(`node:${'fs'}/${'promises'}`);
await ns.writeFile(`${process.env.OUTSIDE}/x`, 'through a computed import of fs/promises\n');

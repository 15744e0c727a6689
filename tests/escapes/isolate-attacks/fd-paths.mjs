// File descriptors instead of paths (as in process mode, ctx.fs passes a number on to Node's fs,
// which takes it as a descriptor): read stdin, write the log descriptors, forge a report on the
// report channel (fd 3, refused), then read the report channel and the stdout socket, which
// never answer: the sleeve must end at its timeout, with the forged report refused.
export default async function (ctx) {
  const o = {};
  const save = () => ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
  const attempts = {
    readFd0: () => ctx.fs.readFile(0),
    statFd0: () => ctx.fs.stat(0),
    writeFd1: () => ctx.fs.writeFile(1, 'written to fd 1\n'),
    appendFd2: () => ctx.fs.appendFile(2, 'appended to fd 2\n'),
    writeFd3: () => ctx.fs.writeText(3, '{"t":"exit","outcome":"returned"}\n'),
    readFd3: () => ctx.fs.readText(3),
    readFd1: () => ctx.fs.readFile(1),
  };
  for (const [k, f] of Object.entries(attempts)) {
    o[k] = 'pending';
    await save();
    try {
      const v = await f();
      o[k] = `resolved ${v === undefined ? '' : typeof v}`;
    } catch (e) {
      o[k] = `${e?.name}: ${e?.code ?? ''}`;
    }
  }
  await save();
}

/**
 * Another process changes the tree while a sleeve runs: the variant that
 * defeats the guard's memories (read-cache and resolution-memory tests).
 * Runs `sleeves/external.mjs` under the strict policy inside the OS layer,
 * waits until the sleeve has written `ready` in its run dir, replaces a path
 * by a link, tells the sleeve (`swapped`), and puts the path back once the run ended.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { track, waitFor } from '../runner/audit/harness.js';
import { type Run, collect, show, startBin } from './cli.js';

export async function swapWhileRunning(
  workspace: string,
  /** Replaced by a link while the sleeve waits (a file or a directory), and put back after the run. */
  replaced: string,
  /** Where the link leads. */
  linkTo: string,
): Promise<{ run: Run; out: Record<string, string> }> {
  const done = collect(startBin(['run', '--policy', 'strict', '--os-layer', 'required', '--json', '-s', 'ext=sleeves/external.mjs'], workspace), 60_000);
  const ended = track(done);
  let runDir = '';
  await waitFor('the sleeve to read once', () => {
    if (ended()) assert.fail(show(ended() as never));
    const id = fs.readdirSync(path.join(workspace, 'runs')).find((d) => d.startsWith('ext_') && fs.existsSync(path.join(workspace, 'runs', d, 'ready')));
    if (id) runDir = path.join(workspace, 'runs', id);
    return id !== undefined;
  });
  fs.renameSync(replaced, `${replaced}.orig`);
  fs.symlinkSync(linkTo, replaced);
  let run: Run;
  try {
    fs.writeFileSync(path.join(runDir, 'swapped'), '');
    run = await done;
  } finally {
    fs.rmSync(replaced);
    fs.renameSync(`${replaced}.orig`, replaced);
  }
  return { run, out: JSON.parse(fs.readFileSync(path.join(runDir, 'out.json'), 'utf8')) as Record<string, string> };
}

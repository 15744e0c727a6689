/**
 * Why a sleeve did not end ok shows where people look, not only in a log
 * file: its reason and the last lines of its stderr in the terminal summary,
 * audit.md and junit.xml (`<system-err>`), escaped like every untrusted text.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { reasonLines, tailLines } from '../../../runner/batch/outcome.js';
import { suiteTemp } from '../../helpers/tmp.js';
import { type BatchOutcome, junitCase, readOutcome, runBin, show } from './harness.js';

describe('the last lines of a failed sleeve', () => {
  it('are the last non-empty lines, each cut to a width', () => {
    assert.deepEqual(tailLines('a\n\nb\r\nc\n', 2), ['b', 'c']);
    assert.deepEqual(tailLines(`${'x'.repeat(10)}\n`, 5, 4), ['xxxx [...]']);
    assert.deepEqual(tailLines(''), []);
  });
  it('for the summary, leave out stack frames and the Node banner', () => {
    assert.deepEqual(reasonLines(['Error: boom', '    at f (x.mjs:1:1)', '', 'Node.js v20.20.2'], 5), ['Error: boom', '']);
  });
});

describe('a failed sleeve says why, in every output', () => {
  const { workspace } = suiteTemp();
  let o: BatchOutcome;
  before(async () => {
    const ws = workspace({
      'sleeves/boom.mjs':
        "console.error('loading the universe');\nconsole.error('forged\\nline \\u001b[31mred');\nthrow new Error('the universe file is missing a header row');\n",
      'sleeves/ok.mjs': "console.log('ok');\n",
    });
    const run = await runBin(['run', '--policy', 'strict', '--sleeve', 'boom=sleeves/boom.mjs', '--sleeve', 'fine=sleeves/ok.mjs', '--json'], ws);
    o = readOutcome(ws, run);
    assert.equal(run.code, 1, show(run));
  });
  it('in audit.json: the last lines of its stderr, and none for the sleeve that ended ok', () => {
    const boom = o.report.sleeves.find((s) => s.name === 'boom');
    assert.ok(
      boom?.stderrTail?.some((l) => l.includes('the universe file is missing a header row')),
      JSON.stringify(boom?.stderrTail),
    );
    assert.equal(o.report.sleeves.find((s) => s.name === 'fine')?.stderrTail, undefined);
  });
  it('in the terminal summary, escaped', () => {
    assert.match(o.run.stderr, /boom: failed.*\n(?: {4}\| .*\n)*? {4}\| .*the universe file is missing a header row/);
    assert.ok(!o.run.stderr.includes('\u001b[31m'), 'an escape sequence from the sleeve reached the terminal');
  });
  it('in audit.md', () => {
    assert.match(o.markdown, /### Why sleeves did not end ok/);
    assert.match(o.markdown, /> .*the universe file is missing a header row/);
  });
  it('in junit.xml, as the system-err of its testcase', () => {
    const tc = junitCase(o.junit, 'boom') as unknown as Record<string, unknown>;
    assert.match(String(tc['system-err']), /the universe file is missing a header row/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ExitFacts, classifyExit, relayedSignal } from '../../../runner/batch/outcome.js';

const base: ExitFacts = {
  code: 0,
  signal: null,
  stopReason: undefined,
  limitHit: undefined,
  stderrTail: '',
  exitReported: true,
  spawnError: undefined,
  relayed: false,
  reportsExit: true,
};
const OOM = 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory';

describe('how a sleeve ended (one rule, from what the OS said)', () => {
  const cases: Array<[string, Partial<ExitFacts>, { status: string; exitCode: number | null; signal: string | null }]> = [
    ['a clean exit with the exit report', {}, { status: 'ok', exitCode: 0, signal: null }],
    ['a clean exit without the exit report (channel tampered with)', { exitReported: false }, { status: 'failed', exitCode: 0, signal: null }],
    [
      'a program that is not Node exits 0 (it sends no report)',
      { exitReported: false, reportsExit: false, relayed: true },
      { status: 'ok', exitCode: 0, signal: null },
    ],
    ['a non-zero exit', { code: 3 }, { status: 'failed', exitCode: 3, signal: null }],
    ['a signal from the OS', { code: null, signal: 'SIGSEGV', exitReported: false }, { status: 'crashed', exitCode: null, signal: 'SIGSEGV' }],
    [
      'an abort after V8 said out of memory',
      { code: null, signal: 'SIGABRT', stderrTail: OOM, exitReported: false },
      { status: 'oom', exitCode: null, signal: 'SIGABRT' },
    ],
    ['the out-of-memory line printed before a plain exit', { code: 1, stderrTail: OOM }, { status: 'failed', exitCode: 1, signal: null }],
    [
      'bubblewrap relays SIGABRT as 134 and V8 said out of memory',
      { code: 134, relayed: true, exitReported: false, stderrTail: OOM },
      { status: 'oom', exitCode: null, signal: 'SIGABRT' },
    ],
    ['bubblewrap relays SIGKILL as 137', { code: 137, relayed: true, exitReported: false }, { status: 'crashed', exitCode: null, signal: 'SIGKILL' }],
    [
      'a Node sleeve that calls process.exit(137) inside bubblewrap (its exit report came)',
      { code: 137, relayed: true },
      { status: 'failed', exitCode: 137, signal: null },
    ],
    [
      'a command step that exits 139 is read as SIGSEGV, as a shell would',
      { code: 139, relayed: true, reportsExit: false, exitReported: false },
      { status: 'crashed', exitCode: null, signal: 'SIGSEGV' },
    ],
    ['exit 200 through bubblewrap names no signal', { code: 200, relayed: true, exitReported: false }, { status: 'failed', exitCode: 200, signal: null }],
    ['exit 134 without bubblewrap is an exit code', { code: 134, exitReported: false }, { status: 'failed', exitCode: 134, signal: null }],
    [
      'the runner stopped it at its timeout',
      { code: null, signal: 'SIGTERM', stopReason: 'timeout' },
      { status: 'timeout', exitCode: null, signal: 'SIGTERM' },
    ],
    ['the isolate host stopped its isolate at the memory limit', { code: 1, limitHit: 'memory' }, { status: 'oom', exitCode: 1, signal: null }],
    ['a limit message with exit 0 is not a limit', { code: 0, limitHit: 'timeout' }, { status: 'ok', exitCode: 0, signal: null }],
    ['spawn failed', { code: null, spawnError: 'ENOENT' }, { status: 'crashed', exitCode: null, signal: null }],
  ];
  for (const [title, facts, want] of cases) {
    it(title, () => {
      assert.deepEqual(classifyExit({ ...base, ...facts }), want);
    });
  }
  it('names SIGABRT, not its alias SIGIOT', () => {
    assert.equal(relayedSignal({ code: 134, relayed: true, exitReported: false, reportsExit: true }), 'SIGABRT');
  });
});

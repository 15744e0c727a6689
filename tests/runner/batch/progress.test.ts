import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress } from '../../../runner/batch/progress.js';
import type { SleeveResult } from '../../../runner/batch/types.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const write = (s: string) => {
    out += s;
    return true;
  };
  const stream = { isTTY, write } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

const result = (name: string, status: SleeveResult['status'], denials = 0): SleeveResult =>
  ({
    name,
    status,
    exitCode: status === 'ok' ? 0 : 1,
    signal: null,
    durationMs: 1234,
    denials: Array.from({ length: denials }, () => ({ op: 'read', path: 'data/lakehouse/portfolio_candidates.json\u001b[2J', rule: 'r', reason: 'x' })),
  }) as unknown as SleeveResult;

describe('progress output', () => {
  it('prints plain lines off a TTY, with no escape sequences', () => {
    const { stream, text } = fakeStream(false);
    const p = createProgress(stream, {});
    p.queued('a');
    p.started('a');
    p.finished(result('a', 'ok'));
    p.finished(result('b\u202e', 'failed', 1));
    p.close();
    assert.equal(text(), '[a] running\n[a] ok in 1.2s\n[b\\u202e] denied exit 1 in 1.2s (1 denial: data/lakehouse/portfolio_candidates.json\\u001b[2J)\n');
  });
  it('redraws one line per sleeve on a TTY, in colour unless NO_COLOR is set', () => {
    const colour = fakeStream(true);
    const p = createProgress(colour.stream, {}, () => 5000);
    p.queued('a');
    p.queued('b');
    p.started('a');
    p.finished(result('a', 'ok'));
    p.close();
    assert.match(colour.text(), /\u001b\[2A/);
    assert.match(colour.text(), /\u001b\[32mok\u001b\[0m/);
    assert.match(colour.text(), /\u001b\[2Kb {24}queued\n/);
    const plain = fakeStream(true);
    const q = createProgress(plain.stream, { NO_COLOR: '1' }, () => 5000);
    q.queued('a');
    q.finished(result('a', 'ok'));
    q.close();
    assert.doesNotMatch(plain.text(), /\u001b\[3\dm/);
  });
});

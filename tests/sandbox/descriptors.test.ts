import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDescriptorTable } from '../../sandbox/descriptors.js';

describe('the descriptor table', () => {
  it('trusts a number only while it names the file it was opened on', () => {
    const files = new Map<number, { dev: number; ino: number }>([[7, { dev: 1, ino: 100 }]]);
    const t = createDescriptorTable((fd) => files.get(fd));
    assert.equal(t.isWritable(7), false);
    t.trackWritable(7);
    assert.equal(t.isWritable(7), true);
    files.set(7, { dev: 1, ino: 200 }); // the number was closed elsewhere and reopened on another file
    assert.equal(t.isWritable(7), false);
    files.set(7, { dev: 1, ino: 100 });
    t.forget(7);
    assert.equal(t.isWritable(7), false, 'a closed number has no rights, even on the same file');
  });
  it('does not track a number it cannot identify, and refuses what is not a number', () => {
    const t = createDescriptorTable(() => undefined);
    t.trackWritable(9);
    assert.equal(t.isWritable(9), false);
    assert.equal(t.isWritable('9'), false);
  });
  it('tracks FileHandles as objects', () => {
    const t = createDescriptorTable(() => undefined);
    const rw = {};
    const ro = {};
    t.trackHandle(rw, 5, true);
    t.trackHandle(ro, 5, false);
    assert.equal(t.isHandle(rw), true);
    assert.equal(t.isHandle({}), false);
    assert.equal(t.isWritableHandle(rw), true);
    assert.equal(t.isWritableHandle(ro), false);
    assert.equal(t.handleFd(ro), 5);
  });
});

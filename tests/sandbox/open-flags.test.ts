import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { describe, it } from 'node:test';
import { flagModes } from '../../sandbox/open-flags.js';

describe('flagModes', () => {
  const table: Array<[unknown, { read: boolean; write: boolean }]> = [
    [undefined, { read: true, write: false }],
    ['r', { read: true, write: false }],
    ['rs', { read: true, write: false }],
    ['r+', { read: true, write: true }],
    ['w', { read: false, write: true }],
    ['wx', { read: false, write: true }],
    ['a', { read: false, write: true }],
    ['a+', { read: true, write: true }],
    [constants.O_RDONLY, { read: true, write: false }],
    [constants.O_WRONLY, { read: false, write: true }],
    [constants.O_RDWR, { read: true, write: true }],
    [constants.O_RDONLY | constants.O_TRUNC, { read: true, write: true }],
    [constants.O_RDONLY | constants.O_APPEND, { read: true, write: true }],
    [{ toString: () => 'r' }, { read: true, write: true }],
    [Symbol('r'), { read: true, write: true }],
  ];
  for (const [flag, modes] of table) {
    it(`reads ${String(typeof flag === 'symbol' ? 'a symbol' : typeof flag === 'object' ? 'an object' : flag)} as ${JSON.stringify(modes)}`, () => {
      assert.deepEqual(flagModes(flag, constants), modes);
    });
  }
  it('is not steered by a patched String.prototype', () => {
    const orig = String.prototype.includes;
    String.prototype.includes = () => false;
    try {
      assert.deepEqual(flagModes('w', constants), { read: false, write: true });
    } finally {
      String.prototype.includes = orig;
    }
  });
});

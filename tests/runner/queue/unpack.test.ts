/**
 * The submitter's check of a worker's zip (runner/queue/unpack.ts): a zip is
 * hostile input. Each attack is a real zip built with yazl: an entry that
 * climbs out of `<runId>/`, an absolute name, a backslash name, a symbolic
 * link, a zip bomb past the cap, a sha256 or size that does not match; each is
 * refused whole, and nothing is written. A good zip lands in a new run dir
 * and never over an existing one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import yazl from 'yazl';
import { unpackZip, writeUnpacked } from '../../../runner/queue/unpack.js';
import { makeTempDir } from '../../helpers/tmp.js';

type Add = { name: string; data?: Buffer; mode?: number; dir?: boolean };

async function zipOf(entries: Add[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const e of entries) {
    if (e.dir) z.addEmptyDirectory(e.name, e.mode === undefined ? {} : { mode: e.mode });
    else z.addBuffer(e.data ?? Buffer.from('x'), e.name, e.mode === undefined ? {} : { mode: e.mode });
  }
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const want = (zip: Buffer, limitBytes = 1 << 20) => ({ sha256: sha(zip), size: zip.length, runId: 'r1', limitBytes });

describe('unpacking a worker zip', () => {
  it('reads a good zip and writes it into a new run dir', async () => {
    const zip = await zipOf([
      { name: 'r1/', dir: true },
      { name: 'r1/logs/', dir: true },
      { name: 'r1/logs/stderr.log', data: Buffer.from('e') },
      { name: 'r1/out/a.json', data: Buffer.from('{}') },
    ]);
    const u = await unpackZip(zip, want(zip));
    const tmp = makeTempDir('sleeve-unpack-');
    try {
      const runDir = path.join(tmp.dir, 'runs', 'r1');
      writeUnpacked(runDir, u);
      assert.equal(fs.readFileSync(path.join(runDir, 'out', 'a.json'), 'utf8'), '{}');
      assert.equal(fs.readFileSync(path.join(runDir, 'logs', 'stderr.log'), 'utf8'), 'e');
      assert.throws(() => writeUnpacked(runDir, u), { code: 'EEXIST' }, 'never over an existing run dir');
    } finally {
      tmp.cleanup();
    }
  });

  const attacks: Array<[string, Add[], RegExp]> = [
    ['an entry outside <runId>/', [{ name: 'other/x' }], /is not under r1\//],
    ['a ".." that climbs out', [{ name: 'r1/../../etc/x' }], /"\." or "\.\." or empty path component/],
    ['a backslash name', [{ name: 'r1/..\\..\\x' }], /backslash/],
    ['a symbolic link', [{ name: 'r1/link', data: Buffer.from('/etc/passwd'), mode: 0o120777 }], /symbolic link/],
    ['a control character', [{ name: 'r1/a\u0007b' }], /control character/],
    ['an absolute name', [{ name: '/r1/etc' }], /is not under r1\//],
  ];
  const refused: string[] = [];
  for (const [what, entries, why] of attacks) {
    it(`refuses a zip with ${what}`, async () => {
      // yazl refuses to write some of these names: the zip is made with a harmless name of the
      // same length, then the name's bytes are swapped in both headers (stored uncompressed).
      const swapped = entries.map((e) => ({ ...e, name: 'q'.repeat(Buffer.byteLength(e.name)) }));
      let zip = await zipOf(swapped);
      for (const [i, e] of entries.entries()) {
        const from = Buffer.from((swapped[i] as Add).name);
        const to = Buffer.from(e.name);
        assert.equal(from.length, to.length);
        for (let at = zip.indexOf(from); at >= 0; at = zip.indexOf(from, at + 1)) to.copy(zip, at);
      }
      zip = Buffer.from(zip);
      await assert.rejects(unpackZip(zip, want(zip)), (e: Error) => {
        // yauzl's own strict name check may refuse it first (it says so); either way it is refused.
        assert.ok(why.test(e.message) || /invalid (characters|relative path)|absolute path/i.test(e.message), e.message);
        refused.push(`${what}: ${e.message}`);
        return true;
      });
    });
  }

  it('refuses a zip bomb past the cap, before writing anything', async () => {
    const zip = await zipOf([{ name: 'r1/bomb', data: Buffer.alloc(5 * 1024 * 1024) }]);
    assert.ok(zip.length < 64 * 1024, 'it compresses well');
    await assert.rejects(unpackZip(zip, { ...want(zip), limitBytes: 1024 * 1024 }), /unpack past the artifact cap of 1048576 bytes/);
  });

  it('refuses a zip whose sha256 or size is not what the worker announced', async () => {
    const zip = await zipOf([{ name: 'r1/a' }]);
    await assert.rejects(unpackZip(zip, { ...want(zip), sha256: 'f'.repeat(64) }), /sha256 is [0-9a-f]{64}, not the f{64} the worker announced/);
    await assert.rejects(unpackZip(zip, { ...want(zip), size: zip.length + 1 }), /not the \d+ the worker announced/);
  });
});

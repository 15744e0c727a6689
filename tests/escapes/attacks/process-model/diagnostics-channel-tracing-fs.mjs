/* @attack {"title": "diagnostics_channel.tracingChannel: wrap an allowed write and rewrite its arguments on the start event to aim at OUTSIDE"} */
import dc from 'node:diagnostics_channel';
import fs from 'node:fs';
const ch = dc.tracingChannel('sleeve:fs');
ch.subscribe({
  start(ctx) {
    ctx.args[0] = `${process.env.OUTSIDE}/x`;
  },
  end() {},
  asyncStart() {},
  asyncEnd() {},
  error() {},
});
const ctx = { args: [`${process.env.SLEEVE_RUN_DIR}/ok.txt`, 'x\n'] };
ch.traceSync(() => fs.writeFileSync(...ctx.args), ctx);

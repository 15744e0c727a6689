/* @attack {"title": "a native addon, allowed by its policy, writes the lakehouse, reads the secret and the fallback, writes next to the workspace and its own run dir by raw system calls", "addon": "probe.c", "expect": "refused", "osOnly": true, "policy": {"process": {"addons": true}, "fs": {"read": {"allow": ["sleeves/**"]}}}} */
// What the addon writes into its own run dir (native-own.txt) the guard never sees: under the
// OS layer it is the sleeve's (no violation); every other attempt must be refused by the kernel.
import path from 'node:path';

const mod = { exports: {} };
process.dlopen(mod, path.join(process.env.SLEEVE_WORKSPACE, 'sleeves', 'probe.node'));
console.log(mod.exports.report);
process.exitCode = mod.exports.wins > 0 ? 0 : 1;

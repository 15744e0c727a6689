/* @attack {"title": "flood stdout with ~20 MiB under --log-limit 1 (allowed abuse: the log must be capped, the harness does not check its size)", "expect": "allowed", "args": ["--log-limit", "1"]} */
const chunk = `${'x'.repeat(1023)}\n`.repeat(1024);
for (let i = 0; i < 20; i++) process.stdout.write(chunk);

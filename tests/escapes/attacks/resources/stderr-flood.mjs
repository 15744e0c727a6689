/* @attack {"title": "flood stderr with ~20 MiB under --log-limit 1 (allowed abuse)", "expect": "allowed", "args": ["--log-limit", "1"]} */
const chunk = `${'e'.repeat(1023)}\n`.repeat(1024);
for (let i = 0; i < 20; i++) process.stderr.write(chunk);

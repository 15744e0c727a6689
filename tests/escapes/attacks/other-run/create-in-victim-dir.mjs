/* @attack {"title": "plant a new file in the victim's run dir", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
fs.writeFileSync('runs/victim/portfolio_candidates.json', '["PWNED"]\n');

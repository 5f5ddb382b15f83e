#!/usr/bin/env node
// The `lotproof` command: runs src/main.ts through tsx, so a checkout needs no build step.
// Client commands (audit, records, epcis, keys) load only the command line, not the service
// (HTTP server, store, logger, metrics): a long `lotproof audit` stays smaller by about 25 MB.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
const service = ['serve', 'backup', 'restore'].includes(argv[0]);
const run = service ? (await import('../src/main.ts')).main : (await import('../src/cli/cli.ts')).runCli;
process.exitCode = await run(argv);

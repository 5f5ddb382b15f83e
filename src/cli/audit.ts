// `lotproof audit` and `lotproof export` (SPEC §6): verifying a log from the outside.
import type { Command } from './command.ts';

export const auditCommands: Record<string, Command> = {};

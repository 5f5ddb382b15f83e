// Commands that sign and submit records (SPEC §3) and administer actors.
import type { Command } from './command.ts';

export const recordCommands: Record<string, Command> = {};

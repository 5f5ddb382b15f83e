// The `lotproof` command line (SPEC §6): argument parsing, messages and exit codes. Commands
// sign locally with the caller's key file; private keys never leave the machine.
import { parseArgs } from 'node:util';
import { toBase64 } from '../core/bytes.ts';
import { generateKeyPair } from '../core/ed25519.ts';
import { LedgerError } from '../core/errors.ts';
import { KeyFileError, writeKeyFile } from './keyfile.ts';
import { UsageError, type Command } from './command.ts';
import { recordCommands } from './records.ts';
import { auditCommands } from './audit.ts';
import { serialCommands } from './serials.ts';
import { epcisCommands } from './epcis.ts';

export { UsageError, type Command };

const baseCommands: Record<string, Command> = {
  keygen: {
    summary: 'write a new Ed25519 key (PKCS#8 PEM, mode 0600) and print its base64 public key',
    usage: 'lotproof keygen --out FILE',
    options: { out: { type: 'string' } },
    async run({ values }) {
      const out = values.out;
      if (typeof out !== 'string' || out === '') throw new UsageError('keygen needs --out FILE');
      const kp = generateKeyPair();
      writeKeyFile(out, kp);
      process.stdout.write(`${toBase64(kp.publicKey)}\n`);
      return 0;
    },
  },
};

export const commands: Record<string, Command> = { ...baseCommands, ...recordCommands, ...serialCommands, ...epcisCommands, ...auditCommands };

function help(): string {
  const lines = ['usage: lotproof <command> [options]', '', 'commands:', '  serve                  run the service (configuration from the environment, see README)'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(22)} ${c.summary}`);
  return lines.join('\n');
}

/** Runs one command; returns the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  // Commands may be one or two words (`actor register`).
  const two = argv.length >= 2 ? `${argv[0]} ${argv[1]}` : '';
  const name = commands[two] ? two : argv[0];
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    // A group word alone (`lotproof actor`) names its two-word commands.
    const group = Object.keys(commands).filter((c) => c.startsWith(`${name} `));
    if (group.length > 0) {
      process.stderr.write(`lotproof ${name}: expected one of ${group.map((c) => c.slice(name.length + 1)).join(', ')}; see lotproof ${group[0]} --help\n`);
      return 2;
    }
    process.stderr.write(`lotproof: unknown command ${JSON.stringify(name)}; see lotproof help\n`);
    return 2;
  }
  const rest = argv.slice(name.split(' ').length);
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`usage: ${cmd.usage}\n${cmd.summary}\n`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${(e as Error).message.split('\n')[0]}; usage: ${cmd.usage.split('\n')[0]}`);
    }
    return await cmd.run(parsed as never);
  } catch (e) {
    if (e instanceof UsageError || e instanceof KeyFileError) {
      process.stderr.write(`lotproof ${name}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof LedgerError) {
      process.stderr.write(`lotproof ${name}: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

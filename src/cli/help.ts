// What each subcommand accepts and says about itself: its usage, its options (parsed strictly with
// node:util parseArgs) and the help texts, including `sally help env` generated from configHelp.
import { parseArgs } from 'node:util'
import { configHelp, configSchema } from '../config'
import { VERSION } from '../version'

type Option = { type: 'boolean' | 'string'; short?: string; value?: string; help: string }

type Command = {
  /** What follows `sally <name>` in the usage line. */
  args: string
  summary: string
  /** Paragraphs after the usage line. */
  about: string
  options: Record<string, Option>
  /** How many positional arguments the command takes, and the name of the first (for "FILE is missing"). */
  positionals: { min: number; max: number; name?: string }
}

const HELP_OPTION: Option = { type: 'boolean', short: 'h', help: 'Print this help' }
const ENV_HINT = 'Settings come from the environment and ./.env: `sally help env` lists them.'

/** `sally seed`'s options: parsed here for --help and refusals, and again by seed() itself. */
export const seedOptions = {
  force: { type: 'boolean', help: 'Replace an existing SALLY_GLOBAL_API_TOKEN in the env file' },
  'env-file': { type: 'string', value: 'F', help: 'Write the token to F instead of ./.env' },
  email: { type: 'string', value: 'E', help: 'E-mail of the SUPERADMIN to create (or promote, if the user exists)' },
  password: { type: 'string', value: 'P', help: 'Their password (at least 8 characters)' },
  name: { type: 'string', value: 'N', help: 'Their display name (default: from the e-mail address)' },
  workspace: { type: 'string', value: 'W', help: 'Name of their first workspace (default "My workspace")' },
} satisfies Record<string, Option>

export const COMMANDS = {
  serve: {
    args: '',
    summary: 'Migrate the database and serve the API (the default command)',
    about: `Applies pending migrations to SALLY_DB, then serves the API on HOST:PORT. SIGINT or SIGTERM stops it
gracefully: no new connections, in-flight requests finish (up to 10 s), then the database is
checkpointed and closed. A port already in use stops the start with one line and exit code 1.

${ENV_HINT}`,
    options: {},
    positionals: { min: 0, max: 0 },
  },
  migrate: {
    args: '',
    summary: 'Apply pending database migrations and exit',
    about: `Applies the migrations this build knows and SALLY_DB lacks, and says how many it applied.

${ENV_HINT}`,
    options: {},
    positionals: { min: 0, max: 0 },
  },
  seed: {
    args: '[--force] [--env-file F] [--email E --password P [--name N] [--workspace W]]',
    summary: 'Write a new SALLY_GLOBAL_API_TOKEN to ./.env; optionally create the first SUPERADMIN',
    about: `Writes a new SALLY_GLOBAL_API_TOKEN to ./.env and prints it once on stdout; an existing one is
kept unless --force. With --email and --password, also migrates SALLY_DB and creates (or promotes)
the first SUPERADMIN user and gives them a workspace.`,
    options: seedOptions,
    positionals: { min: 0, max: 0 },
  },
  backup: {
    args: 'FILE',
    summary: 'Write a consistent copy of the live database to FILE',
    about: `Writes a consistent copy of SALLY_DB to FILE (SQLite VACUUM INTO: safe while the server runs) and
prints its size and the time taken. Refuses to overwrite an existing FILE.

${ENV_HINT}`,
    options: {},
    positionals: { min: 1, max: 1, name: 'FILE' },
  },
  mcp: {
    args: '',
    summary: 'Serve the MCP tools over stdio, calling SALLY_URL with SALLY_API_KEY',
    about: `Serves Sally's MCP tools over stdin/stdout for a local MCP client, running each tool as a REST
call to the Sally server at SALLY_URL with your personal API key. It reads:

${table(mcpEnv())}`,
    options: {},
    positionals: { min: 0, max: 0 },
  },
  help: {
    args: '[COMMAND | env]',
    summary: "Print this help, a command's help, or (env) every environment variable",
    about: 'Prints the usage of Sally or of one command; `sally help env` lists every environment variable.',
    options: {},
    positionals: { min: 0, max: 1 },
  },
} satisfies Record<string, Command>

export type CommandName = keyof typeof COMMANDS

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name)
}

/** Left-aligned columns, two spaces apart, each row indented by two. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => `  ${r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ')}`.trimEnd()).join('\n')
}

function mcpEnv(): string[][] {
  return [
    ['SALLY_URL', 'The Sally server to call, e.g. http://127.0.0.1:4000 or https://sally.example.com/api'],
    ['SALLY_API_KEY', 'A personal API key (atpm_…), from POST /auth/api-keys'],
    ['SALLY_WORKSPACE', 'Optional: the default workspace (slug or id) for tool calls that name none'],
  ]
}

function usageLine(name: CommandName): string {
  const { args } = COMMANDS[name]
  return `Usage: sally ${name}${args ? ` ${args}` : ''}`
}

/** `sally <name> --help`. */
export function commandHelp(name: CommandName): string {
  const cmd: Command = COMMANDS[name]
  const options = Object.entries({ ...cmd.options, help: HELP_OPTION }).map(([long, o]) => [
    `${o.short ? `-${o.short}, ` : '    '}--${long}${o.value ? ` ${o.value}` : ''}`,
    o.help,
  ])
  return `${usageLine(name)}\n\n${cmd.about}\n\nOptions:\n${table(options)}`
}

/** `sally --help`. */
export function mainHelp(): string {
  const commands = Object.entries(COMMANDS).map(([name, c]) => [`${name}${c.args && name !== 'seed' ? ` ${c.args}` : ''}`, c.summary])
  return `Sally ${VERSION}: self-hosted project and task management API.

Usage: sally [COMMAND] [options]

Commands:
${table(commands)}

Options:
${table([
  ['-v, --version', 'Print the version'],
  ['-h, --help', 'Print this help'],
])}

\`sally COMMAND --help\` shows a command's options; \`sally help env\` lists every environment variable.`
}

/** `sally help env`: every variable of configSchema with its default and its meaning (configHelp), then those of `sally mcp`. */
export function envHelp(): string {
  const defaults = configSchema.parse({}) as Record<string, unknown>
  const shown = (v: unknown) => (v === undefined ? '(unset)' : v === '' ? '(empty)' : String(v))
  const rows = Object.entries(configHelp).map(([key, meaning]) => [key, shown(defaults[key]), meaning.replaceAll('`', '')])
  return `Sally reads these from the environment, then from ./.env in the folder it runs in. A bad value
stops the start with one line naming the variable. Booleans accept true/false, 1/0, yes/no.

${table([['VARIABLE', 'DEFAULT', 'MEANING'], ...rows])}

\`sally mcp\` reads these instead:

${table(mcpEnv())}`
}

/** A refused command line: the one-line reason, then the usage line. */
export class UsageError extends Error {
  constructor(
    readonly command: CommandName,
    message: string,
  ) {
    super(message)
  }

  describe(): string {
    return `sally ${this.command}: ${this.message}\n${usageLine(this.command)}  (see \`sally ${this.command} --help\`)`
  }
}

/** Options for node:util parseArgs, from a command's option table. */
export function parseOptions<T extends Record<string, Option>>(options: T): { [K in keyof T]: { type: T[K]['type']; short?: string } } {
  return Object.fromEntries(
    Object.entries(options).map(([k, o]) => [k, o.short ? { type: o.type, short: o.short } : { type: o.type }]),
  ) as { [K in keyof T]: { type: T[K]['type']; short?: string } }
}

/**
 * Parses `argv` (what follows the command name) strictly: unknown options, too many or too few
 * arguments throw a UsageError. `help` is true when -h/--help was given, whatever else was.
 */
export function parseCommand(name: CommandName, argv: string[]): { help: boolean; positionals: string[] } {
  const cmd: Command = COMMANDS[name]
  if (helpFirst(argv)) return { help: true, positionals: [] }
  let positionals: string[]
  try {
    positionals = parseArgs({
      args: argv,
      options: parseOptions({ ...cmd.options, help: HELP_OPTION }),
      strict: true,
      allowPositionals: cmd.positionals.max > 0,
    }).positionals
  } catch (e) {
    throw new UsageError(name, (e as Error).message)
  }
  if (positionals.length < cmd.positionals.min) throw new UsageError(name, `${cmd.positionals.name ?? 'an argument'} is missing`)
  if (positionals.length > cmd.positionals.max) throw new UsageError(name, `Unexpected argument '${positionals[cmd.positionals.max]}'`)
  return { help: false, positionals }
}

/** True when -h/--help comes before any `--` (after which it would be a plain argument). */
function helpFirst(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')
}

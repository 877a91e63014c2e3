import { redact } from './secrets.js'

/**
 * Where progress goes. The action writes through @actions/core (log groups, masking, annotations);
 * the command-line tool writes plain text to stderr. The pipeline only sees this interface.
 */
export interface Logger {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
  /** Register a secret so that no later log line shows it. */
  setSecret(secret: string): void
  /** One line of a child process's output (build logs, git messages), passed on as it comes. */
  output(line: string): void
  /** Run `fn` inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
}

/**
 * Lines that the Actions runner would read as a workflow command: `::name …::` after leading white
 * space (and, to be safe, after invisible characters), or the legacy `##[name]` anywhere.
 */
const COMMAND_START = /^[\s\p{C}]*::/u
const LEGACY_COMMAND = /##\[/g

/** What a neutralised line starts with: visible, so the text stays readable, and not a command. */
export const NEUTRAL_PREFIX = '> '

/**
 * Makes text that came from elsewhere (a git server, a build log) safe to print in a step's log:
 * split into lines the way the runner splits them (`\n`, `\r\n`, `\r`), and every line that the
 * runner could take for a workflow command (`::error::`, `::add-mask::`, `::stop-commands::`, …)
 * is prefixed and its legacy `##[` markers broken up, so that a server or a build can neither
 * forge outputs and annotations nor hide the action's own lines.
 */
export function neutralise(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map(line => {
      const safe = line.replace(LEGACY_COMMAND, '##\u200b[')
      return COMMAND_START.test(safe) ? `${NEUTRAL_PREFIX}${safe}` : safe
    })
    .join('\n')
}

/** A logger for the command line: plain text on stderr, debug lines only when asked for. */
export interface ConsoleLogger extends Logger {
  /** `text` with every registered secret replaced by `***`. */
  redact(text: string): string
}

export function consoleLogger(verbose: boolean): ConsoleLogger {
  const secrets: string[] = []
  // The CLI may itself run in a workflow step: its lines are neutralised like the action's.
  const write = (message: string): void => {
    process.stderr.write(`${neutralise(redact(message, secrets))}\n`)
  }
  return {
    info: write,
    warning: message => write(`warning: ${message}`),
    debug: message => {
      if (verbose) write(`debug: ${message}`)
    },
    setSecret: secret => {
      if (secret) secrets.push(secret)
    },
    // stdout is reserved for the JSON result.
    output: write,
    group: async (name, fn) => {
      write(`==> ${name}`)
      return fn()
    },
    redact: text => redact(text, secrets)
  }
}

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
  /** Raw output of a child process (build logs, git progress), passed through as it comes. */
  output(chunk: Buffer): void
  /** Run `fn` inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
}

/** A logger for the command line: plain text on stderr, debug lines only when asked for. */
export function consoleLogger(verbose: boolean): Logger {
  const secrets: string[] = []
  const redact = (message: string): string =>
    secrets.reduce((text, secret) => text.split(secret).join('***'), message)
  const write = (message: string): void => {
    process.stderr.write(`${redact(message)}\n`)
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
    output: chunk => process.stderr.write(redact(chunk.toString('utf8'))),
    group: async (name, fn) => {
      write(`==> ${name}`)
      return fn()
    }
  }
}

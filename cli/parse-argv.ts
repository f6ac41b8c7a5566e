// The command-line handling the three CLIs share (gan-compile, gan-sample, gan-train): yargs
// with strict options, --help, no --version, and nothing printed or exited by yargs itself.
// The result: the parsed arguments (empty when yargs threw), and the help text or the one
// usage error when there is one.
import type { Argv } from "yargs";

export type Parsed<T> = Awaited<ReturnType<Argv<T>["parse"]>>;

export interface ParsedArgv<T> {
  readonly args: Parsed<T>;
  /** A usage error (yargs's own message); help is not shown then. */
  readonly error?: string;
  /** --help was asked for: the text to print. */
  readonly help?: string;
}

export async function parseArgv<T>(parser: Argv<T>, argv: readonly string[], name: string): Promise<ParsedArgv<T>> {
  let failure: string | undefined;
  let help = "";
  parser
    .strictOptions()
    .help()
    .version(false)
    .exitProcess(false)
    .fail((msg: string | null, err: Error | undefined) => {
      failure = msg ?? err?.message ?? "bad arguments";
    });
  let args: Parsed<T>;
  try {
    args = (await parser.parse([...argv], {}, (_err: unknown, _argv: unknown, output: string) => {
      if (output) help = output;
    })) as Parsed<T>;
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    args = { _: [], $0: name } as unknown as Parsed<T>;
  }
  if (failure !== undefined) return { args, error: failure };
  // An option given twice that is not a list (`--backend cpu --backend wasm`): the last
  // one wins, as in most command lines, instead of yargs's array of both.
  const lists = new Set<string>((parser as unknown as { getOptions(): { array?: string[] } }).getOptions().array ?? []);
  const record = args as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(record)) if (k !== "_" && !lists.has(k) && Array.isArray(v)) record[k] = v.at(-1);
  return help ? { args, help } : { args };
}

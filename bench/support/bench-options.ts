/** Options every benchmark receives from bench/run.ts. */
export interface BenchOptions {
  /** Small counts: a smoke run of the whole suite in well under a minute. */
  quick: boolean;
  /** The full counts where the default trims them to keep the suite near 5 minutes. */
  long: boolean;
  /** Also record a CPU profile of the gateway under load (bench/results/profiles/). */
  profile: boolean;
  /** bench/results in the source tree. */
  resultsDir: string;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

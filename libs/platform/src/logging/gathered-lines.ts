import pino, { DestinationStream } from 'pino';

/** The longest a line waits before it is written. */
const WRITE_EVERY_MS = 100;
/** What is gathered is written at once from this many characters on. */
const WRITE_AT_CHARS = 16_384;

/**
 * Standard output for the JSON log lines, written in batches: the lines of up to 100 ms (or
 * 16 K characters) in one write. The dispatcher writes a line per delivery attempt, and a write
 * per line was the largest of its syscalls once reading the streams was batched
 * (docs/performance.md, "One reader for every partition"). A line reaches stdout at most
 * 100 ms late; what is gathered is written when the process exits, so only a kill -9 loses the
 * last 100 ms of lines. One per process, shared by the apps it runs (tests run several).
 */
export function gatheredLines(): DestinationStream {
  return (shared ??= gatherLines());
}

let shared: DestinationStream | undefined;

function gatherLines(): DestinationStream {
  const out = pino.destination({ dest: 1, sync: true });
  let gathered = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (gathered === '') return;
    out.write(gathered);
    gathered = '';
  };
  process.on('exit', flush);
  return {
    write(line: string) {
      gathered += line;
      if (gathered.length >= WRITE_AT_CHARS) flush();
      else timer ??= setTimeout(flush, WRITE_EVERY_MS).unref();
    },
  };
}

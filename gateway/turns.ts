/**
 * Turns of the event loop for in-process subgraph fetches: one fetch starts
 * per turn, in the order they asked.
 *
 * A subgraph answered from the row cache does no I/O, so an in-process fetch
 * is pure CPU (a few ms for the BI query's larger ones). Awaiting a plain
 * `setImmediate` before each fetch gave sockets one poll per *round* of
 * fetches: with 20 BI queries in flight, every check phase ran the next fetch
 * of all 20 (~160 ms), and the event loop polled for I/O only between rounds.
 * Node accepts one new connection per poll, so a client opening 20
 * connections to a busy gateway had its last connection accepted seconds
 * later, and a health check, a metrics scrape or a new request's body waited a
 * whole round too.
 *
 * Here each turn lets exactly one waiting fetch go and schedules the next turn
 * with a fresh `setImmediate`, which Node runs on the *next* iteration of the
 * event loop: between any two fetches the loop polls for I/O once. The same
 * CPU is spent in the same order (first come, first served); only sockets get
 * served in between.
 */
export type NextTurn = () => Promise<void>;

export function createTurnQueue(): NextTurn {
  const waiting: (() => void)[] = [];
  let scheduled = false;
  const release = () => {
    const next = waiting.shift();
    // scheduled from inside a check-phase callback: runs on the next loop iteration, after a poll
    if (waiting.length > 0) setImmediate(release);
    else scheduled = false;
    next?.();
  };
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (!scheduled) {
        scheduled = true;
        setImmediate(release);
      }
    });
}

/** The process's queue: every in-process fetch of every gateway in the process shares the one event loop. */
export const nextTurn: NextTurn = createTurnQueue();

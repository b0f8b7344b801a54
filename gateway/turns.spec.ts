import net from 'node:net';
import { createTurnQueue, type NextTurn } from './turns';

/** Busy for `ms` of wall time: a fetch answered from memory, all CPU. */
function spin(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/**
 * Five clients connect, then 20 "fetches" of 10 ms of CPU each ask for a turn.
 * Returns, for each accepted connection, how many fetches had run when it was
 * accepted.
 */
async function acceptedAfter(nextTurn: NextTurn): Promise<number[]> {
  let ran = 0;
  const accepted: number[] = [];
  const server = net.createServer((socket) => {
    accepted.push(ran);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  // the kernel completes the handshakes at once; the server sees them only when its loop polls,
  // and the fetches below ask for their turns before it does
  const clients = Array.from({ length: 5 }, () => net.connect(port, '127.0.0.1').on('error', () => undefined));
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      await nextTurn();
      spin(10);
      ran++;
    }),
  );
  while (accepted.length < clients.length) await new Promise((resolve) => setTimeout(resolve, 5));
  for (const c of clients) c.destroy();
  await new Promise((resolve) => server.close(resolve));
  return accepted;
}

describe('createTurnQueue', () => {
  it('lets one fetch go per turn, in the order asked', async () => {
    const nextTurn = createTurnQueue();
    const order: number[] = [];
    let turnsSeen = 0;
    // an immediate re-armed from inside each check phase fires once per loop iteration
    let counting = true;
    const tick = () => {
      turnsSeen++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const iterationOf: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => {
        await nextTurn();
        order.push(i);
        iterationOf.push(turnsSeen);
      }),
    );
    counting = false;
    expect(order).toEqual([0, 1, 2, 3, 4]);
    // five different iterations of the event loop, one after another
    for (let i = 1; i < iterationOf.length; i++) expect(iterationOf[i]).toBeGreaterThan(iterationOf[i - 1]);
  });

  it('an idle queue lets the next fetch go on the next turn', async () => {
    const nextTurn = createTurnQueue();
    await nextTurn();
    const before = performance.now();
    await nextTurn();
    expect(performance.now() - before).toBeLessThan(50);
  });

  it('new connections are accepted between fetches, not after all of them', async () => {
    const accepted = await acceptedAfter(createTurnQueue());
    expect(accepted).toHaveLength(5);
    // Node accepts one connection per poll: with one fetch per turn the fifth is in by the ~6th fetch
    expect(Math.max(...accepted)).toBeLessThanOrEqual(8);
  });

  it('(the plain setImmediate it replaces ran every waiting fetch before the next poll)', async () => {
    const plain: NextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
    const accepted = await acceptedAfter(plain);
    expect(accepted).toHaveLength(5);
    expect(Math.max(...accepted)).toBe(20);
  });
});

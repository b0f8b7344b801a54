import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/** A CPU profile of this process from start() to stop(file), which writes it (bench/cpuprofile-summary summarises it). */
export function cpuProfiler(): { start(): Promise<void>; stop(file: string): Promise<void> } {
  let session: Session | undefined;
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session!.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  return {
    async start() {
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
    },
    async stop(file) {
      const { profile } = await post('Profiler.stop');
      session!.disconnect();
      session = undefined;
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}

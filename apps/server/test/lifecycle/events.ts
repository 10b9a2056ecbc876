/** Reads a server-sent event stream as a browser's EventSource would, for the lifecycle tests. */
export async function openEventStream<T>(baseUrl: string, cookie: string, path: string, event: string) {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}${path}`, { headers: { cookie }, signal: controller.signal });
  if (res.status !== 200) throw new Error(`expected a stream, got ${res.status}: ${await res.text()}`);
  if (!/text\/event-stream/.test(res.headers.get('content-type') ?? ''))
    throw new Error('not an event stream');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const queue: T[] = [];
  let buffer = '';
  let reading: Promise<void> | null = null;
  const readMore = () =>
    (reading ??= reader.read().then(({ value, done }) => {
      reading = null;
      if (done) throw new Error('the stream ended');
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const chunk = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(chunk)?.[1];
        const data = /^data: (.*)$/m.exec(chunk)?.[1];
        if (name === event && data) queue.push(JSON.parse(data) as T);
      }
    }));
  return {
    /** The next event (skipping others) that satisfies `until`, within `timeoutMs`. */
    async next(until: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      let last: T | undefined;
      for (;;) {
        while (queue.length) {
          const v = queue.shift()!;
          last = v;
          if (until(v)) return v;
        }
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no matching "${event}" event in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          readMore(),
          new Promise((resolve) => (timer = setTimeout(resolve, left))),
        ]).finally(() => clearTimeout(timer));
      }
    },
    close: () => controller.abort(),
  };
}

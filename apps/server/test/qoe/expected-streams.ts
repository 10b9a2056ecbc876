/** Graph's ISO 8601 durations as the emulator writes them (`PT0.012S`), in milliseconds. */
const ms = (d: string) => Number(/^PT([\d.]+)S$/.exec(d)![1]) * 1000;

/**
 * The media streams of Graph call records (as the M365 emulator's control API gives them), computed here from
 * Graph's JSON independently of the server's code: each stream's call, average jitter, packet loss and round trip,
 * and whether it is poor by Microsoft's thresholds (jitter > 30 ms, loss > 10 %, round trip > 500 ms, degradation
 * > 1, concealed samples > 7 %).
 */
export const expectedStreams = (records: any[]) =>
  records.flatMap((r) =>
    r.sessions.flatMap((s: any) =>
      s.segments.flatMap((g: any) =>
        g.media.flatMap((m: any) =>
          m.streams.map((x: any) => ({
            call: r.id as string,
            jitter: ms(x.averageJitter),
            loss: x.averagePacketLossRate as number,
            rtt: ms(x.averageRoundTripTime),
            poor:
              ms(x.averageJitter) > 30 ||
              x.averagePacketLossRate > 0.1 ||
              ms(x.averageRoundTripTime) > 500 ||
              x.averageAudioDegradation > 1 ||
              x.averageRatioOfConcealedSamples > 0.07,
          })),
        ),
      ),
    ),
  );

/**
 * What the QoE store should hold, computed in the tests from Graph's call records (as the M365 emulator's control
 * API gives them) independently of the server's code, with Microsoft's Call Quality Dashboard audio thresholds.
 */

type Json = Record<string, any>;

/** Graph's ISO 8601 durations as the emulator writes them (`PT0.012S`), in milliseconds. */
export const graphMs = (d: string) => Number(/^PT([\d.]+)S$/.exec(d)![1]) * 1000;

/** Which of Microsoft's thresholds a Graph media stream's averages exceed. */
export const poorBy = (x: Json) => ({
  jitter: graphMs(x.averageJitter) > 30,
  packetLoss: x.averagePacketLossRate > 0.1,
  roundTrip: graphMs(x.averageRoundTripTime) > 500,
  audioDegradation: x.averageAudioDegradation > 1.0,
  concealedRatio: x.averageRatioOfConcealedSamples > 0.07,
});

/** A stream is poor when any one average exceeds its threshold. */
export const isPoor = (x: Json) => Object.values(poorBy(x)).some(Boolean);

/** A call record's media streams, each with the ids of its session and segment. */
export const streamsOf = (record: Json): Json[] =>
  record.sessions.flatMap((s: Json) =>
    s.segments.flatMap((g: Json) =>
      g.media.flatMap((m: Json) => m.streams.map((x: Json) => ({ ...x, sessionId: s.id, segmentId: g.id }))),
    ),
  );

/** The streams of `records` as rows: call, average jitter, packet loss and round trip, and whether poor. */
export const expectedStreams = (records: Json[]) =>
  records.flatMap((r) =>
    streamsOf(r).map((x) => ({
      call: r.id as string,
      jitter: graphMs(x.averageJitter),
      loss: x.averagePacketLossRate as number,
      rtt: graphMs(x.averageRoundTripTime),
      poor: isPoor(x),
    })),
  );

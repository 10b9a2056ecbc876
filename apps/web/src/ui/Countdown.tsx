import { Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { timeLeft } from './countdown.ts';

/**
 * A live countdown to a waiting step's next check (`nextAttemptAt`), ticking every second: "Next check in 24 s",
 * then "Checking now…" once it is due (the next server-sent view brings the outcome).
 */
export function Countdown({ to, label = 'Next check in' }: { to: string; label?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = timeLeft(to, now);
  return (
    <Text size="xs" c="dimmed" aria-live="off" data-testid="countdown">
      {left ? `${label} ${left}` : 'Checking now…'}
    </Text>
  );
}

import { useRef, useState } from 'react';
import { useDebouncedCallback } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import type { ServiceDraftData } from '@trunkline/contracts';
import { serviceDrafts } from '../../api/services.ts';

export type DraftStatus =
  { state: 'none' } | { state: 'saving' } | { state: 'saved'; at: string } | { state: 'failed' };

/**
 * Keeps the customer's draft on the server: `schedule` saves a second after the last change, `saveNow` at
 * once (on a step change). Calls run one after another, so a late save can never overwrite a discard.
 */
export function useDraftAutosave(customerId: string, initiallySaved: string | null) {
  const queryClient = useQueryClient();
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const finished = useRef(false);
  const [status, setStatus] = useState<DraftStatus>(
    initiallySaved ? { state: 'saved', at: initiallySaved } : { state: 'none' },
  );

  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.current.then(task, task);
    chain.current = run.catch(() => undefined);
    return run;
  };

  const save = (data: ServiceDraftData) => {
    if (finished.current) return;
    setStatus({ state: 'saving' });
    enqueue(() => serviceDrafts.save(customerId, data)).then(
      (draft) => {
        queryClient.setQueryData(serviceDrafts.key(customerId), draft);
        if (!finished.current) setStatus({ state: 'saved', at: draft.updatedAt });
      },
      () => {
        if (!finished.current) setStatus({ state: 'failed' });
      },
    );
  };
  const debounced = useDebouncedCallback(save, { delay: 1000, flushOnUnmount: true });

  const remove = async () => {
    await enqueue(() => serviceDrafts.remove(customerId));
    queryClient.setQueryData(serviceDrafts.key(customerId), null);
  };

  return {
    status,
    schedule: debounced,
    saveNow: (data: ServiceDraftData) => {
      debounced.cancel();
      save(data);
    },
    /** The user throws the draft away; the form starts over. */
    discard: async () => {
      debounced.cancel();
      await remove();
      setStatus({ state: 'none' });
    },
    /**
     * The service was created: no more saves. The server dropped the draft with it; only a save that was on its
     * way may have written it again, so it is deleted only when it is there (no 404 for an ordinary case). A
     * failure here only leaves a stale draft.
     */
    finish: async () => {
      finished.current = true;
      debounced.cancel();
      await enqueue(async () => {
        if (await serviceDrafts.get(customerId)) await serviceDrafts.remove(customerId);
      }).catch(() => undefined);
      queryClient.setQueryData(serviceDrafts.key(customerId), null);
    },
  };
}
